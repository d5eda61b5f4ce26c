/* A library the "missing dependency" plugin links to; the test plugin is built
 * without an RPATH to it, so at run time it cannot be found. */
__attribute__((visibility("default"))) int onshi_test_dependency(void) { return 42; }
