"""The default bounds on one request to an exported flow (``nfzoo export --max-batch/--max-samples``); plain
numbers, importable without TensorFlow."""
MAX_BATCH = 4096  # the default bound on N in one request
MAX_SAMPLES = 1024  # the default bound on the n of one sample request
