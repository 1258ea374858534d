"""keras.preprocessing.text.Tokenizer."""
from keras_compat.preprocessing import text


def test_tokenizer():
    texts = ['The cat sat on the mat.', 'The dog ate my homework!']
    tok = text.Tokenizer(num_words=5, oov_token='<unk>')
    tok.fit_on_texts(texts)
    assert tok.word_index['<unk>'] == 1 and tok.word_index['the'] == 2
    seqs = tok.texts_to_sequences(['the cat ate the unicorn'])
    assert seqs == [[2, 3, 1, 2, 1]]
    matrix = tok.texts_to_matrix(texts, mode='count')
    assert matrix.shape == (2, 5) and matrix[0, 2] == 2
    clone = text.tokenizer_from_json(tok.to_json())
    assert clone.texts_to_sequences(['the cat']) == tok.texts_to_sequences(
        ['the cat'])
    assert text.text_to_word_sequence('Hello, World!') == ['hello', 'world']
    assert all(1 <= i < 10 for i in text.one_hot('a b c d', 10))
    hashed = text.hashing_trick('a b a', 100, hash_function='md5')
    assert hashed[0] == hashed[2]
