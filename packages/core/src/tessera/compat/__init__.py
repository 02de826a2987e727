"""``tf.compat``: ``v1`` comes from the tessera-compat-v1 distribution; ``v2`` is tessera."""


def __getattr__(name: str):
    if name == "v2":
        import tessera

        return tessera
    if name == "v1":
        from tessera._plugins import subpackages

        module = subpackages.resolve("compat.v1")
        globals()["v1"] = module
        return module
    raise AttributeError(f"module 'tessera.compat' has no attribute {name!r}")
