// After a build: the initialised embedded-database template that new DATA_DIRs are copied
// from (src/database/embedded-template.ts), made here once so no start pays for initdb.
require('../dist/src/database/embedded-template')
  .ensureTemplate()
  .catch((error) => console.warn(`embedded template not prepared: ${error.message}`));
