"""keras.utils.generic_utils: function serialisation."""


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
