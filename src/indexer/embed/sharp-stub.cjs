// transformers.js imports sharp at load time for image inputs; Semindex embeds text only.
// Aliased here by esbuild.mjs so that ~19 MB of libvips never load or ship.
module.exports = {};
