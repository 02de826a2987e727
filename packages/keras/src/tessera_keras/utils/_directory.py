"""``keras.utils.text_dataset_from_directory``: a labelled ``tf.data.Dataset`` from a
directory with one sub-directory per class (Keras 3's indexing, shuffling and splits)."""

from __future__ import annotations

import os

import numpy as np


def _check_split(validation_split, subset, shuffle, seed) -> None:
    if validation_split and not 0 < validation_split < 1:
        raise ValueError(f"`validation_split` must be between 0 and 1, received: "
                         f"{validation_split}")
    if (validation_split or subset) and not (validation_split and subset):
        raise ValueError("If `subset` is set, `validation_split` must be set, and inversely.")
    if subset not in ("training", "validation", "both", None):
        raise ValueError(f'`subset` must be either "training", "validation" or "both", '
                         f"received: {subset}")
    if validation_split and shuffle and seed is None:
        raise ValueError("If using `validation_split` and shuffling the data, you must provide "
                         "a `seed` argument, to make sure that there is no overlap between the "
                         "training and validation subset.")


def index_directory(directory, labels, formats, class_names=None, shuffle=True, seed=None,
                    follow_links=False, verbose=True):
    """File paths (class by class, sorted, then shuffled with ``seed``), labels, class names."""
    if labels == "inferred":
        subdirs = [d for d in sorted(os.listdir(directory))
                   if os.path.isdir(os.path.join(directory, d)) and not d.startswith(".")]
        if class_names is not None:
            if not set(class_names).issubset(subdirs):
                raise ValueError(f"The `class_names` passed did not match the names of the "
                                 f"subdirectories of the target directory. Expected: {subdirs} "
                                 f"(or a subset of it), but received: class_names={class_names}")
            subdirs = list(class_names)
    else:
        subdirs = [""]
        if class_names is not None:
            raise ValueError("When `labels=None` (no labels), argument `class_names` cannot be "
                             "specified." if labels is None else
                             "When argument `labels` is specified, argument `class_names` "
                             "cannot be specified (the `class_names` will be the sorted list "
                             "of labels).")
    filenames, found = [], []
    for index, subdir in enumerate(subdirs):
        root_dir = os.path.join(directory, subdir)
        for root, _, files in sorted(os.walk(root_dir, followlinks=follow_links),
                                     key=lambda w: w[0]):
            for fname in sorted(files):
                if fname.lower().endswith(formats):
                    filenames.append(os.path.join(subdir, os.path.relpath(
                        os.path.join(root, fname), root_dir)))
                    found.append(index)
    names = subdirs
    if labels == "inferred":
        labels = np.asarray(found, dtype="int32")
    elif labels is None:
        names = None
    else:
        if len(labels) != len(filenames):
            raise ValueError(f"Expected the lengths of `labels` to match the number of files in "
                             f"the target directory. len(labels) is {len(labels)} while we "
                             f"found {len(filenames)} files in directory {directory}.")
        names = [str(label) for label in sorted(set(labels))]
    if verbose:
        print(f"Found {len(filenames)} files." if labels is None else
              f"Found {len(filenames)} files belonging to {len(names)} classes.")
    paths = [os.path.join(directory, f) for f in filenames]
    if shuffle:
        if seed is None:
            seed = np.random.randint(1e6)
        np.random.RandomState(seed).shuffle(paths)
        if labels is not None:
            labels = np.array(labels)
            np.random.RandomState(seed).shuffle(labels)
    return paths, labels, names


def _split(samples, labels, validation_split, subset):
    if not validation_split:
        return samples, labels
    n_val = int(validation_split * len(samples))
    if subset == "training":
        print(f"Using {len(samples) - n_val} files for training.")
        return samples[:-n_val], None if labels is None else labels[:-n_val]
    print(f"Using {n_val} files for validation.")
    return samples[-n_val:], None if labels is None else labels[-n_val:]


def _text_dataset(paths, labels, label_mode, num_classes, max_length, shuffle, buffer, seed):
    import tessera as tf

    ds = tf.data.Dataset.from_tensor_slices(paths).map(tf.io.read_file)
    if max_length is not None:
        ds = ds.map(lambda s: tf.strings.substr(s, 0, max_length))
    if label_mode:
        label_ds = tf.data.Dataset.from_tensor_slices(np.asarray(labels, dtype="int32"))
        if label_mode == "binary":
            label_ds = label_ds.map(lambda y: tf.expand_dims(tf.cast(y, "float32"), -1))
        elif label_mode == "categorical":
            label_ds = label_ds.map(lambda y: tf.one_hot(y, num_classes))
        ds = tf.data.Dataset.zip((ds, label_ds))
    if shuffle:
        ds = ds.shuffle(buffer_size=buffer or 1024, seed=seed)
    return ds


def text_dataset_from_directory(directory, labels="inferred", label_mode="int", class_names=None,
                                batch_size=32, max_length=None, shuffle=True, seed=None,
                                validation_split=None, subset=None, follow_links=False,
                                format="tf", verbose=True):
    """``(text, label)`` batches from ``directory/<class>/*.txt``; ``.class_names`` on the
    dataset. ``subset="both"`` returns ``[train, validation]``."""
    if labels not in ("inferred", None):
        if not isinstance(labels, list | tuple):
            raise ValueError(f"`labels` argument should be a list/tuple of integer labels, of "
                             f"the same size as the number of text files in the target "
                             f"directory. If you wish to infer the labels from the subdirectory"
                             f' names in the target directory, pass `labels="inferred"`. If you'
                             f" wish to get a dataset that only contains text samples (no "
                             f"labels), pass `labels=None`. Received: labels={labels}")
        if class_names:
            raise ValueError(f'You can only pass `class_names` if `labels="inferred"`. '
                             f"Received: labels={labels}, and class_names={class_names}")
    if label_mode not in {"int", "categorical", "binary", None}:
        raise ValueError(f'`label_mode` argument must be one of "int", "categorical", "binary",'
                         f" or None. Received: label_mode={label_mode}")
    if format != "tf":
        raise ValueError(f'`format` should be "tf" (Tessera has no grain format). Received: '
                         f"format={format}")
    if labels is None or label_mode is None:
        labels = label_mode = None
    _check_split(validation_split, subset, shuffle, seed)
    if seed is None:
        seed = int(np.random.randint(1e6))
    paths, labels, names = index_directory(directory, labels, (".txt",), class_names, shuffle,
                                           seed, follow_links, verbose)
    if label_mode == "binary" and len(names) != 2:
        raise ValueError(f'When passing `label_mode="binary"`, there must be exactly 2 '
                         f"class_names. Received: class_names={names}")
    buffer = batch_size * 8 if batch_size is not None else 1024
    num_classes = len(names) if names else 0

    def build(part, train: bool):
        p, y = _split(paths, labels, validation_split, part)
        if not p:
            kind = {"training": "training ", "validation": "validation "}.get(
                part if subset == "both" else "", "")
            raise ValueError(f"No {kind}text files found in directory {directory}. Allowed "
                             f"format: .txt")
        ds = _text_dataset(p, y, label_mode, num_classes, max_length, shuffle and train,
                           buffer, seed)
        if batch_size is not None:
            ds = ds.batch(batch_size)
        ds.class_names = names
        return ds

    if subset == "both":
        return [build("training", True), build("validation", False)]
    return build(subset, True)
