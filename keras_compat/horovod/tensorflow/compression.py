"""Horovod's gradient compression: what a tensor is reduced as."""
import torch


class Compressor(object):
    """Interface for compressing and decompressing a tensor."""

    @staticmethod
    def compress(tensor):
        """(compressed tensor, context for `decompress`)."""
        raise NotImplementedError

    @staticmethod
    def decompress(tensor, ctx):
        """The tensor `compress` gave, reduced, back in its own form."""
        raise NotImplementedError


class NoneCompressor(Compressor):
    """No compression."""

    @staticmethod
    def compress(tensor):
        return tensor, None

    @staticmethod
    def decompress(tensor, ctx):
        return tensor


class FP16Compressor(Compressor):
    """Floating tensors travel (and are summed) as float16."""

    @staticmethod
    def compress(tensor):
        if tensor.is_floating_point():
            return tensor.to(torch.float16), tensor.dtype
        return tensor, tensor.dtype

    @staticmethod
    def decompress(tensor, ctx):
        return tensor.to(ctx) if ctx.is_floating_point else tensor


class Compression(object):
    """The compression algorithms: `Compression.none`, `Compression.fp16`."""

    none = NoneCompressor
    fp16 = FP16Compressor
