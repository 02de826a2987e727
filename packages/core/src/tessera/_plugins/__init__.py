"""Plugin machinery: hook specs, the registry tables, the manager, lazy subpackages."""
