import { setBackend } from '@tapegrad/core';

// TAPEGRAD_BACKEND=js runs the whole suite on the reference backend; the
// default is the backend tapegrad picks itself (WebAssembly SIMD where it exists).
const which = process.env.TAPEGRAD_BACKEND;
if (which === 'js' || which === 'wasm') setBackend(which);
