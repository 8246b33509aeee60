"""JSX for Python: transpiler, import hook, `# coding: jsx` codec and pytest plugin."""
