using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static Mien.ModelImport.Tests.TfAttrs;

namespace Mien.ModelImport.Tests;

/// <summary>StridedSlice with begin/end/ellipsis/new-axis/shrink masks and negative strides.</summary>
public sealed class StridedSliceMapperTests
{
    public static TheoryData<int[], SliceSpec> Cases => new()
    {
        // x[1:3]
        { [5, 4], new SliceSpec([1], [3], [1]) },
        // x[:, 1:3, ::-1, 0]
        { [2, 4, 5, 3], new SliceSpec([0, 1, 0, 0], [0, 3, 0, 1], [1, 1, -1, 1], BeginMask: 0b0101, EndMask: 0b0101, ShrinkAxisMask: 0b1000) },
        // x[..., tf.newaxis, -1]
        { [2, 3, 4], new SliceSpec([0, 0, -1], [0, 0, 0], [1, 1, 1], EllipsisMask: 0b001, NewAxisMask: 0b010, ShrinkAxisMask: 0b100) },
        // x[tf.newaxis, 1:, ..., ::2]
        { [3, 4, 5, 6], new SliceSpec([0, 1, 0, 0], [0, 0, 0, 0], [1, 1, 1, 2], BeginMask: 0b1000, EndMask: 0b1010, EllipsisMask: 0b0100, NewAxisMask: 0b0001) },
        // x[3::-2]
        { [7], new SliceSpec([3], [0], [-2], EndMask: 1) },
        // x[-1]
        { [4, 3], new SliceSpec([-1], [0], [1], ShrinkAxisMask: 1) },
        // x[-2, :, -1]
        { [4, 3, 2], new SliceSpec([-2, 0, -1], [-1, 0, 0], [1, 1, 1], BeginMask: 0b010, EndMask: 0b010, ShrinkAxisMask: 0b101) },
        // x[::-1, -1:-4:-1]
        { [3, 5], new SliceSpec([0, -1], [0, -4], [-1, -1], BeginMask: 1, EndMask: 1) },
        // x[-100:100, 5:-100:-3] (out-of-range bounds are clamped)
        { [3, 6], new SliceSpec([-100, 5], [100, -100], [1, -3]) },
        // x[..., 1] on a 4-D tensor (the channel pick after a detection head)
        { [1, 2, 3, 4], new SliceSpec([0, 1], [0, 2], [1, 1], EllipsisMask: 1, ShrinkAxisMask: 0b10) },
        // x[1:1] (empty)
        { [4, 2], new SliceSpec([1], [1], [1]) },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void StridedSlice_matches_tf_reference(int[] shape, SliceSpec spec)
    {
        var rng = new Random(101);
        var x = Nd.Random(rng, shape);

        var actual = RunSlice(x, spec, afterConv: false);

        NdAssert.Close(TfReference.StridedSlice(x, spec), actual);
    }

    public static TheoryData<int[], SliceSpec> NegativeStrideBeforeTheStart => new()
    {
        // x[-4::-1] on 3 elements: begin -4 + 3 = -1 lies before element 0, so TF (like Python) yields [].
        { [3], new SliceSpec([-4], [0], [-1], EndMask: 1) },
        // x[:, -7::-2] on [2,5]
        { [2, 5], new SliceSpec([0, -7], [0, 0], [1, -2], BeginMask: 0b01, EndMask: 0b11) },
        // x[-5:-6:-1, ...] on [4,2]: begin and end both before the start
        { [4, 2], new SliceSpec([-5, 0], [-6, 0], [-1, 1], EllipsisMask: 0b10) },
    };

    /// <summary>
    /// TF clamps a negative-stride begin to [-1, dim-1] (-1 = before the first element, an empty slice);
    /// ONNX Slice clamps starts to [0, dim-1], so a begin below -dim must not be passed through as is.
    /// </summary>
    [Theory]
    [MemberData(nameof(NegativeStrideBeforeTheStart))]
    public void StridedSlice_with_negative_stride_and_begin_before_the_first_element_is_empty(int[] shape, SliceSpec spec)
    {
        var x = Nd.Random(new Random(104), shape);

        var actual = RunSlice(x, spec, afterConv: false);

        var expected = TfReference.StridedSlice(x, spec);
        Assert.Empty(expected.Data);
        NdAssert.Close(expected, actual);
    }

    [Fact]
    public void StridedSlice_of_a_conv_output_slices_nhwc_axes()
    {
        var rng = new Random(102);
        var x = Nd.Random(rng, [2, 4, 5, 3]);
        var spec = new SliceSpec([0, 1, 0, 0], [0, 3, 0, 2], [1, 1, -2, 1], BeginMask: 0b0101, EndMask: 0b0101);

        var actual = RunSlice(x, spec, afterConv: true);

        NdAssert.Close(TfReference.StridedSlice(x, spec), actual);
    }

    [Fact]
    public void StridedSlice_of_an_int32_shape_vector_picks_one_element()
    {
        var g = new TinyGraph();
        var shape = g.Input("shape", [4], "DT_INT32");
        g.Node("y", "StridedSlice", [shape, g.ConstInt("begin", [1], 1), g.ConstInt("end", [1], 2), g.ConstInt("strides", [1], 1)],
            T("DT_INT32"), ("Index", TfAttr.Type("DT_INT32")), ("shrink_axis_mask", TfAttr.Int(1)));

        var actual = CompiledGraph.Run(g, Feed.Of("shape", Nd.Int([4], 1, 224, 192, 3))).Int("y");

        NdAssert.Equal(Nd.Int([], 224), actual);
    }

    [Property(Arbitrary = [typeof(SliceCases)], MaxTest = 300)]
    public void StridedSlice_matches_tf_reference_for_any_spec(SliceCase c)
    {
        var x = Nd.Random(new Random(103), c.Shape);

        var actual = RunSlice(x, c.Spec, afterConv: false);

        NdAssert.Close(TfReference.StridedSlice(x, c.Spec), actual);
    }

    private static Nd<float> RunSlice(Nd<float> x, SliceSpec spec, bool afterConv)
    {
        var g = new TinyGraph();
        var input = afterConv ? ElementwiseMapperTests.IdentityConv(g, "x", x.Shape) : g.Input("x", x.Shape);
        var n = spec.Begin.Length;
        g.Node("y", "StridedSlice",
            [input, g.ConstInt("begin", [n], Ints(spec.Begin)), g.ConstInt("end", [n], Ints(spec.End)), g.ConstInt("strides", [n], Ints(spec.Strides))],
            T(), ("Index", TfAttr.Type("DT_INT32")),
            ("begin_mask", TfAttr.Int(spec.BeginMask)), ("end_mask", TfAttr.Int(spec.EndMask)),
            ("ellipsis_mask", TfAttr.Int(spec.EllipsisMask)), ("new_axis_mask", TfAttr.Int(spec.NewAxisMask)),
            ("shrink_axis_mask", TfAttr.Int(spec.ShrinkAxisMask)));
        return CompiledGraph.Run(g, Feed.Of("x", x)).Float("y");
    }

    private static int[] Ints(long[] values) => Array.ConvertAll(values, v => checked((int)v));
}

/// <summary>An input shape and a strided-slice spec valid for it.</summary>
public sealed record SliceCase(int[] Shape, SliceSpec Spec)
{
    public override string ToString() => $"shape [{string.Join(',', Shape)}], {Spec}";
}

/// <summary>
/// Random slices of random tensors (rank 1..4, dims 1..5): an optional ellipsis, up to two new axes,
/// range entries with begin/end in [-dim-2, dim+2] (begin ≥ -dim for negative strides, see below), strides
/// ±1..3 and random masks, and shrink entries with
/// a valid index (TF rejects the rest). Masks on ellipsis, new-axis and shrink entries are random too: TF
/// ignores them there.
/// </summary>
public static class SliceCases
{
    public static Arbitrary<SliceCase> Cases()
    {
        var gen =
            from rank in Gen.Choose(1, 4)
            from dims in Gen.ArrayOf(Gen.Choose(1, 5), rank)
            from seed in Gen.Choose(0, 1_000_000)
            select Build(dims, new Random(seed));
        return Arb.From(gen);
    }

    private static SliceCase Build(int[] shape, Random rng)
    {
        var rank = shape.Length;
        var ellipsis = rng.Next(3) == 0;
        var consuming = ellipsis ? rng.Next(0, rank + 1) : rng.Next(1, rank + 1);
        var newAxes = rng.Next(4) == 0 ? rng.Next(1, 3) : 0;

        // Entry kinds in spec order: 'c' consumes an input axis, 'n' is a new axis, 'e' the ellipsis.
        var kinds = new List<char>();
        kinds.AddRange(Enumerable.Repeat('c', consuming));
        for (var i = 0; i < newAxes; i++)
        {
            kinds.Insert(rng.Next(kinds.Count + 1), 'n');
        }

        if (ellipsis)
        {
            kinds.Insert(rng.Next(kinds.Count + 1), 'e');
        }

        var n = kinds.Count;
        long[] begin = new long[n], end = new long[n], strides = new long[n];
        int beginMask = 0, endMask = 0, ellipsisMask = 0, newAxisMask = 0, shrinkMask = 0;
        var ellipsisAt = kinds.IndexOf('e');
        var consumingAfterEllipsis = ellipsisAt < 0 ? 0 : kinds.Skip(ellipsisAt + 1).Count(k => k == 'c');
        var axis = 0;
        for (var i = 0; i < n; i++)
        {
            var bit = 1 << i;
            beginMask |= rng.Next(4) == 0 ? bit : 0;
            endMask |= rng.Next(4) == 0 ? bit : 0;
            strides[i] = 1;
            switch (kinds[i])
            {
                case 'e':
                    ellipsisMask |= bit;
                    axis = rank - consumingAfterEllipsis;
                    continue;
                case 'n':
                    newAxisMask |= bit;
                    continue;
            }

            var dim = shape[axis++];
            if (rng.Next(4) == 0)
            {
                shrinkMask |= bit;
                begin[i] = rng.Next(-dim, dim);
                end[i] = begin[i] + 1;
            }
            else
            {
                strides[i] = rng.Next(1, 4) * (rng.Next(2) == 0 ? -1 : 1);
                begin[i] = rng.Next(-dim - 2, dim + 3);
                end[i] = rng.Next(-dim - 2, dim + 3);
            }
        }

        return new SliceCase(shape, new SliceSpec(begin, end, strides, beginMask, endMask, ellipsisMask, newAxisMask, shrinkMask));
    }
}
