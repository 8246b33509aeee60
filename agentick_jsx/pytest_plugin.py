"""pytest plugin collecting `test_*.px` files (placeholder until the transpiler lands)."""
