"""keras.utils.generic_utils: function serialisation, unknown names."""
import pytest


def test_func_dump_is_base64_and_load_reads_both_encodings():
    import codecs
    import marshal
    from keras_compat.utils.generic_utils import func_dump, func_load

    def make():
        text = r'\u'

        def fn():
            return text
        return fn
    fn = make()
    code, defaults, closure = func_dump(fn)
    assert codecs.decode(code.encode('ascii'), 'base64') == \
        marshal.dumps(fn.__code__)
    assert func_load(code, defaults, closure)() == r'\u'

    def square(x):
        return x ** 2
    old = marshal.dumps(square.__code__).decode('raw_unicode_escape')
    assert func_load(old)(3) == 9


def test_getargspec_names_keywords_as_keras_2_3():
    from keras_compat.utils.generic_utils import getargspec

    def fn(a, b=2, *rest, **options):
        return a
    spec = getargspec(fn)
    assert spec.args == ['a', 'b'] and spec.varargs == 'rest'
    assert spec.keywords == 'options' and spec.defaults == (2,)


def test_unknown_names_raise_each_flavours_text():
    from keras_compat import losses
    from keras_compat.backend import common
    from keras_compat.utils.generic_utils import deserialize_keras_object
    # Keras 2.3.1: 'Unknown layer: Fancy', 'Unknown loss function:foo'.
    with pytest.raises(ValueError, match='^Unknown layer: Fancy\\.'):
        deserialize_keras_object({'class_name': 'Fancy', 'config': {}},
                                 printable_module_name='layer')
    with pytest.raises(ValueError, match='^Unknown loss function:foo\\.'):
        losses.get('foo')
    common.set_api_flavour('tf.keras')
    try:
        # tf_keras 2.21's text.
        with pytest.raises(ValueError, match="^Unknown loss function: 'foo'"
                           "\\. Please ensure you are using a `keras\\.utils"
                           "\\.custom_object_scope` and that this object is "
                           "included in the scope\\."):
            losses.get('foo')
    finally:
        common.set_api_flavour('keras')
