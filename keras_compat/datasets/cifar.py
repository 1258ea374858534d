"""Reading the pickled CIFAR batches."""
import pickle


def load_batch(fpath, label_key='labels'):
    """(data (N, 3, 32, 32) uint8, labels) of one CIFAR batch file."""
    with open(fpath, 'rb') as f:
        d = pickle.load(f, encoding='bytes')
        d_decoded = {}
        for k, v in d.items():
            d_decoded[k.decode('utf8') if isinstance(k, bytes) else k] = v
        d = d_decoded
    data = d['data']
    labels = d[label_key]
    data = data.reshape(data.shape[0], 3, 32, 32)
    return data, labels
