"""`keras.wrappers`: scikit-learn estimator wrappers."""
from . import scikit_learn
