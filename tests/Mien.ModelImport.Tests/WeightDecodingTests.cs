using System.Buffers.Binary;
using System.Text.Json.Nodes;
using Mien.ModelImport.Tfjs;
using static Mien.ModelImport.Tests.TfAttrs;

namespace Mien.ModelImport.Tests;

/// <summary>
/// Weight shards decode as TF.js decodes them: float32/int32 raw, uint8/uint16 affine-quantised
/// (value = q * scale + min), and float16. Checked end to end through <c>x + w</c> with x = 0.
/// </summary>
public sealed class WeightDecodingTests
{
    [Fact]
    public void Uint8_quantised_weights_decode_to_q_times_scale_plus_min()
    {
        byte[] q = [0, 1, 100, 200, 255];
        var g = new TinyGraph();
        g.ConstRaw("w", [5], "float32", q, Quantization("uint8", min: -1.0, scale: 0.01));

        var actual = AddToZeros(g, "w", [5]);

        NdAssert.Close(Nd.Float([5], -1f, -0.99f, 0f, 1f, 1.55f), actual, 1e-6);
        Assert.Equal(Array.ConvertAll(q, v => (float)((v * 0.01) + -1.0)), actual.Data);
    }

    [Fact]
    public void Uint16_quantised_weights_decode_little_endian_to_q_times_scale_plus_min()
    {
        ushort[] q = [0, 1000, 2001, 65535];
        var bytes = new byte[2 * q.Length];
        for (var i = 0; i < q.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(2 * i), q[i]);
        }

        var g = new TinyGraph();
        g.ConstRaw("w", [2, 2], "float32", bytes, Quantization("uint16", min: -2.0, scale: 0.001));

        var actual = AddToZeros(g, "w", [2, 2]);

        NdAssert.Close(Nd.Float([2, 2], -2f, -1f, 0.001f, 63.535f), actual, 1e-6);
    }

    [Fact]
    public void Float16_weights_decode_as_ieee_half()
    {
        float[] values = [1.5f, -0.25f, 65504f, 6.1035156e-5f, 5.9604645e-8f, 0.1f, -3.14159f, 0f];
        var bytes = new byte[2 * values.Length];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteHalfLittleEndian(bytes.AsSpan(2 * i), (Half)values[i]);
        }

        var g = new TinyGraph();
        g.ConstRaw("w", [values.Length], "float32", bytes, new JsonObject { ["dtype"] = "float16" });

        var actual = AddToZeros(g, "w", [values.Length]);

        // Exactly the half values: 0.1 becomes 0.0999755859375, 5.96e-8 is the smallest subnormal.
        Assert.Equal(Array.ConvertAll(values, v => (float)(Half)v), actual.Data);
        Assert.Equal(0.0999755859375f, actual.Data[5]);
    }

    [Fact]
    public void Uint8_quantised_int32_weights_round_to_integers()
    {
        byte[] q = [0, 3, 7, 255];
        var g = new TinyGraph();
        var quantization = Quantization("uint8", min: -3.0, scale: 1.0);
        quantization["original_dtype"] = "int32";
        g.ConstRaw("w", [4], "int32", q, quantization);
        g.Node("y", "Add", [g.Input("x", [4], "DT_INT32"), "w"], T("DT_INT32"));

        var actual = CompiledGraph.Run(g, Feed.Of("x", Nd.Int([4], 0, 0, 0, 0))).Int("y");

        NdAssert.Equal(Nd.Int([4], -3, 0, 4, 252), actual);
    }

    [Fact]
    public void Weights_of_mixed_encodings_follow_each_other_in_the_shard()
    {
        var g = new TinyGraph();
        var half = new byte[6];
        BinaryPrimitives.WriteHalfLittleEndian(half, (Half)0.5f);
        BinaryPrimitives.WriteHalfLittleEndian(half.AsSpan(2), (Half)(-2f));
        BinaryPrimitives.WriteHalfLittleEndian(half.AsSpan(4), (Half)8f);
        g.ConstRaw("a", [3], "float32", half, new JsonObject { ["dtype"] = "float16" });  // 6 bytes: the next weight starts unaligned
        g.ConstRaw("b", [3], "float32", [10, 20, 30], Quantization("uint8", min: 0.0, scale: 0.5));
        g.Const("c", [3], 100f, 200f, 300f);
        var x = g.Input("x", [3]);
        var ab = g.Node("ab", "Add", [x, "a"], T());
        var abc = g.Node("abc", "Add", [ab, "b"], T());
        g.Node("y", "Add", [abc, "c"], T());

        var actual = CompiledGraph.Run(g, Feed.Of("x", Nd.Float([3], 0f, 0f, 0f))).Float("y");

        NdAssert.Close(Nd.Float([3], 0.5f + 5f + 100f, -2f + 10f + 200f, 8f + 15f + 300f), actual);
    }

    [Fact]
    public void A_weight_group_split_over_two_shards_is_read_as_one_byte_stream()
    {
        // Three float32 weights of 2 values (24 bytes) cut into shards of 10 and 14 bytes: "b" straddles the cut.
        var stream = new byte[24];
        float[] values = [1f, 2f, 3f, 4f, 5f, 6f];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(stream.AsSpan(4 * i), values[i]);
        }

        var json = """
            {"format":"graph-model","modelTopology":{"node":[
              {"name":"x","op":"Placeholder","attr":{"dtype":{"type":"DT_FLOAT"},"shape":{"shape":{"dim":[{"size":"2"}]}}}},
              {"name":"a","op":"Const","attr":{"dtype":{"type":"DT_FLOAT"}}},
              {"name":"b","op":"Const","attr":{"dtype":{"type":"DT_FLOAT"}}},
              {"name":"c","op":"Const","attr":{"dtype":{"type":"DT_FLOAT"}}},
              {"name":"xa","op":"Mul","input":["x","a"],"attr":{"T":{"type":"DT_FLOAT"}}},
              {"name":"xab","op":"Mul","input":["xa","b"],"attr":{"T":{"type":"DT_FLOAT"}}},
              {"name":"y","op":"Mul","input":["xab","c"],"attr":{"T":{"type":"DT_FLOAT"}}}]},
             "weightsManifest":[{"paths":["s1.bin","s2.bin"],"weights":[
              {"name":"a","shape":[2],"dtype":"float32"},
              {"name":"b","shape":[2],"dtype":"float32"},
              {"name":"c","shape":[2],"dtype":"float32"}]}]}
            """u8.ToArray();
        var model = TfjsGraphModel.Parse("split", json, path => path == "s1.bin" ? stream[..10] : stream[10..]);
        using var compiled = CompiledGraph.From(model);

        var actual = compiled.Run(Feed.Of("x", Nd.Float([2], 1f, 1f))).Float("y");

        NdAssert.Close(Nd.Float([2], 1f * 3f * 5f, 2f * 4f * 6f), actual);
    }

    private static JsonObject Quantization(string dtype, double min, double scale) =>
        new() { ["dtype"] = dtype, ["min"] = min, ["scale"] = scale };

    private static Nd<float> AddToZeros(TinyGraph g, string weight, int[] shape)
    {
        g.Node("y", "Add", [g.Input("x", shape), weight], T());
        return CompiledGraph.Run(g, Feed.Of("x", new Nd<float>(shape, new float[Nd.Count(shape)]))).Float("y");
    }
}
