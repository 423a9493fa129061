// The floors of src/ (docs/architecture.md), lowest first: a folder imports only folders on
// lower floors. Read by .dependency-cruiser.cjs (the check) and scripts/module-graph.js (the
// picture). The files at the root of src/ are the composition root, above every floor.
module.exports = [
  ['config', 'common', 'metrics'],
  ['database'],
  ['events'],
  ['crypto', 'rate-limit', 'mail'],
  ['clients', 'users', 'identity-providers'],
  ['authorization'],
  ['tokens', 'passkeys'],
  ['access', 'account'],
  ['discovery', 'health', 'console'],
];
