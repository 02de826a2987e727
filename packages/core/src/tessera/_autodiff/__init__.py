"""Automatic differentiation: GradientTape, custom gradients."""
