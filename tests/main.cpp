#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <xapian.h>

// Xapian's errors are not std::exceptions: without this a test that throws
// one reports only "unknown exception".
REGISTER_EXCEPTION_TRANSLATOR(const Xapian::Error& error) { return doctest::String(error.get_description().c_str()); }
