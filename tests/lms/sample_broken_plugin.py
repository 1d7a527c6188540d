"""An entry-point target that fails while importing."""

raise RuntimeError("this plugin is broken on purpose")
