// `node --import ./node20-register.mjs`: installs node20-hooks.mjs.
import { register } from 'node:module';
register('./node20-hooks.mjs', import.meta.url);
