"""Hand-written golden cases (see make_golden.py). DIFFERENCES: id -> why Tessera differs."""

H = "import tensorflow as tf\n"
MANUAL_CASES: list[dict] = []
DIFFERENCES: dict[str, str] = {}


def case(cid: str, category: str, text: str, *, mode: str = "DEFAULT", target: str = "tensorflow",
         differs: str | None = None) -> None:
    MANUAL_CASES.append({"id": cid, "category": category, "input": text, "mode": mode, "target": target})
    if differs:
        DIFFERENCES[cid] = differs


# -- rewriters -------------------------------------------------------------------------
case("dropout-positional", "rewriter", H + "y = tf.nn.dropout(x, 0.5)\n")
case("dropout-keyword", "rewriter", H + "y = tf.nn.dropout(x, keep_prob=kp, name='d')\n")
case("dropout-expr", "rewriter", H + "y = tf.nn.dropout(x, keep_prob=1 - p)\n")
case("dropout-noise-positional", "rewriter", H + "y = tf.nn.dropout(x, 0.5, None)\n",
     differs="TF's tool leaves noise_shape positional where v2 expects rate: tf.nn.dropout(x, None, rate=...) is a TypeError.")
case("dropout-rate-already", "rewriter", H + "y = tf.nn.dropout(x, rate=0.1)\n")
case("to-float", "rewriter", H + "a = tf.to_float(x)\n")
case("to-int32-name", "rewriter", H + "b = tf.to_int32(x, 'n')\n")
case("to-int64", "rewriter", H + "b = tf.to_int64(x, name='n')\n")
case("to-double", "rewriter", H + "b = tf.to_double(x)\n")
case("to-bfloat16", "rewriter", H + "b = tf.to_bfloat16(x)\n")
case("to-complex64", "rewriter", H + "b = tf.to_complex64(x)\n")
case("resize-bilinear", "rewriter", H + "c = tf.image.resize_bilinear(img, [2, 2])\n")
case("resize-nearest-align", "rewriter", H + "c = tf.image.resize_nearest_neighbor(img, size, align_corners=True)\n")
case("resize-area-3pos", "rewriter", H + "c = tf.image.resize_area(img, size, False)\n")
case("resize-bicubic-4pos", "rewriter", H + "c = tf.image.resize_bicubic(img, size, False, 'r')\n",
     differs="The 4th positional argument of resize_bicubic is name; TF's tool turns it into preserve_aspect_ratio.")
case("softmax-xent", "rewriter", H + "l = tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=z)\n")
case("softmax-xent-positional", "rewriter", H + "l = tf.nn.softmax_cross_entropy_with_logits(None, y, z)\n")
case("softmax-xent-stopped", "rewriter", H + "l = tf.nn.softmax_cross_entropy_with_logits(labels=tf.stop_gradient(y), logits=z)\n")
case("iterator-one-shot", "rewriter", H + "it = ds.make_one_shot_iterator()\n")
case("iterator-initializable", "rewriter", H + "it = dataset.batch(2).make_initializable_iterator(shared_name='s')\n")
case("iterator-tf-data", "rewriter", H + "it = tf.data.make_one_shot_iterator(ds)\n")
case("name-scope-name", "rewriter", H + "with tf.name_scope('a'):\n    pass\n")
case("name-scope-default", "rewriter", H + "with tf.name_scope(None, default_name='b', values=[x]):\n    pass\n")
case("name-scope-default-positional", "rewriter", H + "with tf.name_scope(None, 'b', [x]):\n    pass\n")
case("device-string", "rewriter", H + "with tf.device('/cpu:0'):\n    pass\n")
case("device-func", "rewriter", H + "with tf.device(device_name=fn):\n    pass\n",
     differs="TF's tool crashes when device_name is not a string literal (isinstance with a list).")
case("zeros-like-optimize-true", "rewriter", H + "z = tf.zeros_like(x, optimize=True)\n")
case("zeros-like-optimize-false", "rewriter", H + "z = tf.zeros_like(x, optimize=False)\n")
case("ones-like-optimize", "rewriter", H + "z = tf.ones_like(x, optimize=flag)\n")
case("while-loop-same-structure", "rewriter", H + "r = tf.while_loop(c, b, [i], return_same_structure=True)\n")
case("ctc-merge-repeated", "rewriter", H + "r = tf.nn.ctc_beam_search_decoder(x, n, merge_repeated=True)\n")
case("dilation2d", "rewriter", H + "r = tf.nn.dilation2d(x, f, s, r, 'SAME')\n")
case("erosion2d", "rewriter", H + "r = tf.nn.erosion2d(x, kernel=k, strides=s, rates=r, padding='SAME')\n")
case("save-model-h5", "rewriter", H + "tf.keras.models.save_model(m, p)\n")
case("save-model-has-format", "rewriter", H + "tf.keras.models.save_model(m, p, save_format='tf')\n",
     differs="TF's tool adds a second save_format keyword (a SyntaxError); Tessera leaves an explicit one alone.")
case("strings-split", "rewriter", H + "s = tf.strings.split(x, sep=',')\n")
case("strings-split-ragged", "rewriter", H + "s = tf.strings.split(x, result_type='RaggedTensor')\n")
case("strings-split-sparse", "rewriter", H + "s = tf.strings.split(x, result_type='SparseTensor')\n")
case("strings-split-dynamic", "rewriter", H + "s = tf.strings.split(x, result_type=kind)\n")
case("fractional-pool-seed2", "rewriter", H + "p = tf.nn.fractional_max_pool(x, r, seed=1, seed2=2)\n")
case("fractional-pool-deterministic", "rewriter", H + "p = tf.nn.fractional_avg_pool(x, r, deterministic=True)\n",
     differs="TF's tool crashes here (logs.add on a list).")
case("extract-glimpse-keyword", "rewriter", H + "g = tf.image.extract_glimpse(x, s, o, uniform_noise=False)\n")
case("extract-glimpse-5pos", "rewriter", H + "g = tf.image.extract_glimpse(x, s, o, True, True)\n",
     differs="TF's tool crashes with exactly five positional arguments (IndexError).")
case("uniform-unit-scaling", "rewriter", H + "i = tf.uniform_unit_scaling_initializer(1.5)\n")
case("uniform-unit-scaling-kw", "rewriter", H + "i = tf.initializers.uniform_unit_scaling(factor=2.0, seed=1)\n")
case("xavier", "contrib", H + "i = tf.contrib.layers.xavier_initializer()\n")
case("xavier-positional", "contrib", H + "i = tf.contrib.layers.xavier_initializer(False, 3)\n")
case("xavier-keyword", "contrib", H + "i = tf.contrib.layers.xavier_initializer(uniform=u, dtype=tf.float64)\n")
case("xavier-conv2d", "contrib", H + "i = tf.contrib.layers.xavier_initializer_conv2d(seed=1)\n")
case("variance-scaling", "contrib", H + "i = tf.contrib.layers.variance_scaling_initializer(mode='FAN_AVG')\n")
case("variance-scaling-factor", "contrib", H + "i = tf.contrib.layers.variance_scaling_initializer(factor=1.0, uniform=True)\n")
case("variance-scaling-positional", "contrib", H + "i = tf.contrib.layers.variance_scaling_initializer(1.0, 'FAN_IN', True)\n")
case("l1-regularizer", "contrib", H + "r = tf.contrib.layers.l1_regularizer(scale=0.1, scope='s')\n")
case("l2-regularizer", "contrib", H + "r = tf.contrib.layers.l2_regularizer(0.1)\n")
case("l2-regularizer-scope", "contrib", H + "r = tf.contrib.layers.l2_regularizer(0.1, 'scope')\n")
case("summary-scalar", "contrib", H + "tf.contrib.summary.scalar('a', x)\n")
case("summary-histogram-step", "contrib", H + "tf.contrib.summary.histogram('h', x, step=s)\n")
case("summary-image-family", "contrib", H + "tf.contrib.summary.image('i', x, family='f')\n")
case("summary-always", "contrib", H + "with tf.contrib.summary.always_record_summaries():\n    pass\n")
case("summary-never", "contrib", H + "with tf.contrib.summary.never_record_summaries():\n    pass\n")
case("contrib-fully-connected", "contrib", H + "y = tf.contrib.layers.fully_connected(x, 3)\n")
case("contrib-rnn", "contrib", H + "c = tf.contrib.rnn.LSTMCell(3)\n")
case("contrib-maxout-addons", "contrib", H + "y = tf.contrib.layers.maxout(x, 2)\n")
case("contrib-data-autotune", "contrib", H + "n = tf.contrib.data.AUTOTUNE\n")
case("contrib-distribute", "contrib", H + "s = tf.contrib.distribute.MirroredStrategy()\n")
case("contrib-framework-load-variable", "contrib", H + "v = tf.contrib.framework.load_variable(checkpoint_dir=d, name='v')\n")
# -- warnings --------------------------------------------------------------------------
case("warn-get-variable", "warning", H + "v = tf.get_variable('v', [1])\n")
case("warn-model-save", "warning", H + "model.save(path)\n")
case("warn-conv2d-cudnn", "warning", H + "y = tf.nn.conv2d(x, w, [1, 1, 1, 1], 'SAME', True)\n")
case("warn-cond-strict", "warning", H + "y = tf.cond(p, f1, f2, strict=True)\n")
case("warn-assert-equal", "warning", H + "tf.assert_equal(a, b)\n")
case("warn-metrics", "warning", H + "acc = tf.metrics.accuracy(labels, preds)\n")
case("warn-losses", "warning", H + "l = tf.losses.mean_squared_error(labels, preds)\n")
case("warn-summary", "warning", H + "tf.summary.scalar('loss', l)\n")
case("warn-flags", "warning", H + "tf.flags.DEFINE_string('a', 'b', 'c')\n")
case("warn-app-flags", "warning", H + "FLAGS = tf.app.flags.FLAGS\n")
case("warn-embedding-partition", "warning", H + "e = tf.nn.embedding_lookup(p, ids, partition_strategy='div')\n")
case("warn-minimize-colocate", "warning", H + "op = opt.minimize(loss, colocate_gradients_with_ops=True)\n")
case("warn-gradients-colocate", "warning", H + "g = tf.gradients(y, x, colocate_gradients_with_ops=True)\n")
case("warn-star-kwargs", "warning", H + "s = tf.reduce_sum(x, **kw)\n")
case("warn-star-args", "warning", H + "s = tf.argmax(*args)\n")
case("warn-saved-model-load", "warning", H + "m = tf.saved_model.load(sess, tags, path)\n")
# -- keyword and reorder (hand-picked) -----------------------------------------------------
case("kw-reduce-sum", "keyword", H + "s = tf.reduce_sum(x, reduction_indices=[1], keep_dims=True)\n")
case("kw-argmax-dimension", "keyword", H + "i = tf.argmax(x, dimension=1)\n")
case("kw-expand-dims", "keyword", H + "y = tf.expand_dims(x, dim=1)\n")
case("kw-squeeze", "keyword", H + "y = tf.squeeze(x, squeeze_dims=[1])\n")
case("kw-conv2d-filter", "keyword", H + "y = tf.nn.conv2d(x, filter=w, strides=s, padding='SAME')\n")
case("kw-softmax-dim", "keyword", H + "y = tf.nn.softmax(x, dim=-1)\n")
case("kw-gfile", "keyword", H + "e = tf.gfile.Exists(filename=p)\n")
case("kw-gfile-copy", "keyword", H + "tf.gfile.Copy(oldpath=a, newpath=b, overwrite=True)\n")
case("reorder-argmax", "reorder", H + "i = tf.argmax(x, 1, 'name', 0)\n")
case("reorder-pad", "reorder", H + "p = tf.pad(x, pads, 'CONSTANT', 'n')\n")
case("reorder-cond", "reorder", H + "y = tf.cond(p, f1, f2, False, 'n')\n")
case("reorder-transpose", "reorder", H + "t = tf.transpose(x, [1, 0], 'n', True)\n")
# -- renames in context --------------------------------------------------------------------
case("rename-session", "rename", H + "with tf.Session() as sess:\n    sess.run(tf.global_variables_initializer())\n")
case("rename-placeholder", "rename", H + "x = tf.placeholder(tf.float32, [None, 3])\n")
case("rename-nested", "rename", H + "y = tf.layers.dense(tf.random_normal([2, 3]), 4)\n")
case("rename-in-decorator", "rename", H + "@tf.contrib.eager.defun\ndef f(x):\n    return x\n")
case("rename-attribute-store", "rename", H + "cfg = tf.ConfigProto()\ncfg.gpu_options.allow_growth = True\n")
case("rename-string-untouched", "rename", H + "s = 'tf.Session()'  # tf.Session in a comment\n")
case("rename-non-tf-untouched", "rename", H + "import numpy as np\ny = np.log(x)\n")
case("rename-log", "rename", H + "y = tf.log(x) + tf.div(a, b)\n")
case("rename-train", "rename", H + "opt = tf.train.AdamOptimizer(0.01)\nstep = tf.train.get_or_create_global_step()\n")
case("rename-multiline", "format", H + "x = tf.reduce_mean(\n    tf.square(y),  # the loss\n    keep_dims=True,\n)\n")
case("format-comments-kept", "format", H + "# header comment\nx = tf.Session(  # inline\n    target='',\n)\n")
case("format-quotes-kept", "format", H + "x = tf.to_float(y, name=\"quoted\")\n")
case("where", "rename", H + "y = tf.where(c, a, b)\n")
# -- imports and aliases -----------------------------------------------------------------
case("import-alias-tf1", "imports", "import tensorflow as tf1\ns = tf1.Session()\n",
     differs="TF's tool only converts the literal name `tf`; Tessera follows any alias.")
case("import-unaliased", "imports", "import tensorflow\ns = tensorflow.Session()\n",
     differs="TF's tool refuses unaliased `import tensorflow` (ERROR); Tessera converts it.")
case("import-compat-v1", "imports", "import tensorflow.compat.v1 as tf\ns = tf.Session()\n")
case("import-compat-v1-kept", "imports", "import tensorflow.compat.v1 as tf\ns = tf.Session()\n", mode="NOV1")
case("import-compat-v2", "imports", "import tensorflow.compat.v2 as tf\ns = tf.Session()\n")
case("import-from-nn", "imports", "from tensorflow import nn\ny = nn.dropout(x, 0.5)\n",
     differs="TF's tool ignores names imported with `from tensorflow import ...`.")
case("import-from-symbol", "imports", "from tensorflow import Session\ns = Session()\n",
     differs="TF's tool ignores names imported with `from tensorflow import ...`; Tessera renames at the import.")
case("import-slim", "imports", "import tensorflow.contrib.slim as slim\nr = slim.l2_regularizer(0.1)\n",
     differs="TF's tool matches only the literal `slim.` prefix without resolving the import; Tessera resolves it and adds the tf import it needs.")
case("import-none-snippet", "imports", "s = tf.Session()\n")
# -- SAFETY mode -----------------------------------------------------------------------------
case("safety-import", "safety", "import tensorflow as tf\ns = tf.Session()\n", mode="SAFETY")
case("safety-from", "safety", "from tensorflow import nn\n", mode="SAFETY")
case("safety-unaliased", "safety", "import tensorflow\n", mode="SAFETY")
case("safety-contrib-kept", "safety", "from tensorflow.contrib import slim\nimport tensorflow as tf\n", mode="SAFETY")
case("safety-python-kept", "safety", "from tensorflow.python.ops import array_ops\n", mode="SAFETY",
     differs="TF's tool moves tensorflow.python (private, not in compat.v1) to tensorflow.compat.v1.python, which does not exist.")
case("safety-compat-kept", "safety", "import tensorflow.compat.v1 as tf\n", mode="SAFETY")
case("safety-addons-warning", "safety", "import tensorflow as tf\ny = tf.contrib.layers.maxout(x)\n", mode="SAFETY")
# -- --target tessera (no TF equivalent: checked by hand) ------------------------------------
for cid, text in [
    ("tessera-import", "import tensorflow as tf\ns = tf.Session()\n"),
    ("tessera-from", "from tensorflow import nn\nfrom tensorflow.keras import layers\n"),
    ("tessera-unaliased", "import tensorflow\ny = tensorflow.reduce_sum(x)\n"),
    ("tessera-compat-v1", "import tensorflow.compat.v1 as tf\ntf.disable_v2_behavior()\n"),
    ("tessera-addons-hub", "import tensorflow_addons as tfa\nimport tensorflow_hub as hub\n"),
    ("tessera-private", "from tensorflow.python.ops import array_ops\n"),
]:
    case(cid, "target", text, target="tessera", differs="tf_upgrade_v2 has no --target tessera.")
