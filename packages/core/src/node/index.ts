export { workerThread } from './worker-thread.js';
