using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static Mien.ModelImport.Tests.TfAttrs;

namespace Mien.ModelImport.Tests;

/// <summary>ResizeBilinear and ResizeNearestNeighbor on TF's three sampling grids.</summary>
public sealed class ResizeMapperTests
{
    public static TheoryData<Grid, int, int> BilinearCases()
    {
        var data = new TheoryData<Grid, int, int>();
        foreach (var grid in Enum.GetValues<Grid>())
        {
            data.Add(grid, 9, 7);  // upsample
            data.Add(grid, 2, 3);  // downsample
            data.Add(grid, 8, 10); // exact 2x
            data.Add(grid, 1, 1);  // to a single pixel
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(BilinearCases))]
    public void ResizeBilinear_matches_tf_reference(Grid grid, int outH, int outW)
    {
        var rng = new Random(111);
        var x = Nd.Random(rng, [2, 4, 5, 3]);

        var actual = RunResize("ResizeBilinear", x, x.Shape, outH, outW, grid, afterConv: false);

        NdAssert.Close(TfReference.ResizeBilinear(x, outH, outW, grid == Grid.AlignCorners, grid == Grid.HalfPixelCenters), actual);
    }

    [Theory]
    [InlineData(Grid.Legacy)]
    [InlineData(Grid.AlignCorners)]
    [InlineData(Grid.HalfPixelCenters)]
    public void ResizeBilinear_of_a_conv_output_with_a_dynamic_batch_matches_tf_reference(Grid grid)
    {
        // A dynamic batch makes the mapper emit Resize with scales instead of sizes.
        var rng = new Random(112);
        var x = Nd.Random(rng, [2, 3, 5, 2]);

        var actual = RunResize("ResizeBilinear", x, [-1, 3, 5, 2], 7, 9, grid, afterConv: true);

        NdAssert.Close(TfReference.ResizeBilinear(x, 7, 9, grid == Grid.AlignCorners, grid == Grid.HalfPixelCenters), actual);
    }

    [Property(Arbitrary = [typeof(ResizeCases)], MaxTest = 200)]
    public void ResizeBilinear_matches_tf_reference_for_any_size(ResizeCase c)
    {
        var x = Nd.Random(new Random(c.InH * 31 + c.InW), [1, c.InH, c.InW, 2]);
        int[] declared = c.DynamicBatch ? [-1, c.InH, c.InW, 2] : x.Shape;

        var actual = RunResize("ResizeBilinear", x, declared, c.OutH, c.OutW, c.Grid, afterConv: false);

        NdAssert.Close(TfReference.ResizeBilinear(x, c.OutH, c.OutW, c.Grid == Grid.AlignCorners, c.Grid == Grid.HalfPixelCenters), actual);
    }

    [Property(Arbitrary = [typeof(ResizeCases)], MaxTest = 200)]
    public void ResizeNearestNeighbor_matches_tf_reference_for_any_size(ResizeCase c)
    {
        var x = Nd.Random(new Random(c.InH * 31 + c.InW), [1, c.InH, c.InW, 2]);
        int[] declared = c.DynamicBatch ? [-1, c.InH, c.InW, 2] : x.Shape;

        var actual = RunResize("ResizeNearestNeighbor", x, declared, c.OutH, c.OutW, c.Grid, afterConv: false);

        NdAssert.Close(TfReference.ResizeNearest(x, c.OutH, c.OutW, c.Grid == Grid.AlignCorners, c.Grid == Grid.HalfPixelCenters), actual);
    }

    private static Nd<float> RunResize(string op, Nd<float> x, int[] declaredShape, int outH, int outW, Grid grid, bool afterConv)
    {
        var g = new TinyGraph();
        string input;
        if (afterConv)
        {
            var c = x.Shape[3];
            var eye = new float[c * c];
            for (var i = 0; i < c; i++)
            {
                eye[(i * c) + i] = 1f;
            }

            input = g.Node("conv", "Conv2D", [g.Input("x", declaredShape), g.Const("eye", [1, 1, c, c], eye)], T(), Strides(1, 1), Padding("VALID"), DataFormat());
        }
        else
        {
            input = g.Input("x", declaredShape);
        }

        g.Node("y", op, [input, g.ConstInt("size", [2], outH, outW)], T(),
            ("align_corners", TfAttr.Bool(grid == Grid.AlignCorners)), ("half_pixel_centers", TfAttr.Bool(grid == Grid.HalfPixelCenters)));
        return CompiledGraph.Run(g, Feed.Of("x", x)).Float("y");
    }
}

/// <summary>TF's three resize sampling grids.</summary>
public enum Grid
{
    /// <summary>Neither flag: source = out * in/out.</summary>
    Legacy,

    /// <summary>align_corners: corner pixels map onto corner pixels.</summary>
    AlignCorners,

    /// <summary>half_pixel_centers: pixel centres at +0.5 (TF 2's default).</summary>
    HalfPixelCenters,
}

/// <summary>One resize: input and output size, grid, and whether the batch dim is dynamic.</summary>
public sealed record ResizeCase(int InH, int InW, int OutH, int OutW, Grid Grid, bool DynamicBatch);

/// <summary>Resizes from 1..8 to 1..12 pixels per axis on every grid, with static and dynamic batch.</summary>
public static class ResizeCases
{
    public static Arbitrary<ResizeCase> Cases()
    {
        var gen =
            from inH in Gen.Choose(1, 8)
            from inW in Gen.Choose(1, 8)
            from outH in Gen.Choose(1, 12)
            from outW in Gen.Choose(1, 12)
            from grid in Gen.Elements(Enum.GetValues<Grid>())
            from dynamic in Gen.Elements(false, true)
            select new ResizeCase(inH, inW, outH, outW, grid, dynamic);
        return Arb.From(gen);
    }
}
