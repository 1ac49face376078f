export { saveSafetensorsFile, loadSafetensorsFile, saveModuleFile, loadModuleFile } from './safetensors-files.js';
