"""Modules of tf.keras's internal paths that have no module of their own
in keras_compat (`keras.engine.input_spec`, `keras.engine.functional`),
served under those paths by the import aliases."""
