#!/usr/bin/env node
'use strict';
// The published entry point: runs the compiled CLI (npm run build writes dist/).
require('../dist/src/cli/main.js').main(process.argv.slice(2));
