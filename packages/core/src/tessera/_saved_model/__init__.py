"""SavedModel: save and load objects with their traced functions, without their code."""
