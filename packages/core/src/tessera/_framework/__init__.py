"""Framework internals: dtypes support, shapes, specs, tensors and their conversion."""
