using System.Numerics.Tensors;

namespace Mien.Identity.Tests;

public sealed class TemplateAndRegistryTests
{
    private static float[] Unit(int seed, int n = 16)
    {
        var random = new Random(seed);
        var v = new float[n];
        for (var i = 0; i < n; i++)
        {
            v[i] = (float)((random.NextDouble() * 2) - 1);
        }

        FaceEmbedder.Normalise(v);
        return v;
    }

    /// <summary>A unit vector at cosine <paramref name="cos"/> from <paramref name="a"/>.</summary>
    private static float[] Near(float[] a, float cos, int seed)
    {
        var noise = Unit(seed, a.Length);
        var d = TensorPrimitives.Dot<float>(noise, a);
        var orthogonal = noise.Select((x, i) => x - (d * a[i])).ToArray();
        FaceEmbedder.Normalise(orthogonal);
        var sin = MathF.Sqrt(1 - (cos * cos));
        return [.. a.Select((x, i) => (cos * x) + (sin * orthogonal[i]))];
    }

    [Fact]
    public void Template_keeps_only_the_best_faces_and_their_quality_weighted_mean()
    {
        var template = new TrackTemplate(16, capacity: 3);
        var vectors = Enumerable.Range(0, 6).Select(i => Unit(i)).ToArray();
        float[] qualities = [0.2f, 0.9f, 0.1f, 0.5f, 0.3f, 0.8f];
        for (var i = 0; i < 6; i++)
        {
            template.Add(vectors[i], qualities[i]);
        }

        Assert.Equal(3, template.Count);
        Assert.Equal(6, template.Offered);
        Assert.Equal(0.9f + 0.8f + 0.5f, template.TotalQuality, 5);

        // Naive reference: the three best (1, 5, 3), weighted by quality, renormalised.
        var expected = new float[16];
        foreach (var i in new[] { 1, 5, 3 })
        {
            for (var k = 0; k < 16; k++)
            {
                expected[k] += qualities[i] * vectors[i][k];
            }
        }

        FaceEmbedder.Normalise(expected);
        var mean = template.Mean().ToArray();
        for (var k = 0; k < 16; k++)
        {
            Assert.Equal(expected[k], mean[k], 5);
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => template.Add(vectors[0], 0));
        Assert.Throws<ArgumentException>(() => template.Add(new float[3], 1));
    }

    [Fact]
    public void A_returning_person_is_linked_with_the_similarity_recorded()
    {
        var registry = new PersonRegistry(16, new PersonRegistryOptions { Threshold = 0.6f });
        var alice = Unit(1);
        var bob = Unit(2);
        var first = registry.Resolve(1, alice, TimeSpan.Zero);
        Assert.False(first.Linked);
        Assert.Null(first.Similarity);
        registry.Release(1, alice, 1, TimeSpan.FromSeconds(5));

        var other = registry.Resolve(2, bob, TimeSpan.FromSeconds(6));
        Assert.False(other.Linked);
        Assert.NotEqual(first.PersonId, other.PersonId);
        Assert.Equal(first.PersonId, other.CandidatePerson);
        Assert.True(other.Similarity < 0.6f);

        var back = registry.Resolve(3, Near(alice, 0.8f, 7), TimeSpan.FromSeconds(20));
        Assert.True(back.Linked);
        Assert.Equal(first.PersonId, back.PersonId);
        Assert.Equal(0.8f, back.Similarity!.Value, 3);
        Assert.Equal(first.PersonId, registry.PersonOf(3));
    }

    [Fact]
    public void A_person_on_screen_is_never_linked_to_a_second_track()
    {
        var registry = new PersonRegistry(16, new PersonRegistryOptions { Threshold = 0.5f });
        var face = Unit(3);
        var a = registry.Resolve(1, face, TimeSpan.Zero);
        var b = registry.Resolve(2, face, TimeSpan.Zero); // identical descriptor, but track 1 is still on screen
        Assert.False(b.Linked);
        Assert.NotEqual(a.PersonId, b.PersonId);
        Assert.Null(b.Similarity);
        Assert.Throws<InvalidOperationException>(() => registry.Resolve(1, face, TimeSpan.Zero));
    }

    [Fact]
    public void Registry_state_is_bounded_and_forgets_the_longest_gone()
    {
        var registry = new PersonRegistry(16, new PersonRegistryOptions { Threshold = 0.99f, MaxPeople = 3 });
        for (var t = 1; t <= 10; t++)
        {
            registry.Resolve(t, Unit(100 + t), TimeSpan.FromSeconds(t));
            registry.Release(t, Unit(100 + t), 1, TimeSpan.FromSeconds(t) + TimeSpan.FromMilliseconds(500));
            Assert.True(registry.PeopleKept <= 3);
        }

        // The most recent people are still linkable, the first one is forgotten.
        Assert.True(registry.Resolve(11, Unit(110), TimeSpan.FromSeconds(11)).Linked);
        Assert.False(registry.Resolve(12, Unit(101), TimeSpan.FromSeconds(12)).Linked);

        var forgetting = new PersonRegistry(16, new PersonRegistryOptions { Threshold = 0.5f, ForgetAfter = TimeSpan.FromSeconds(30) });
        forgetting.Resolve(1, Unit(5), TimeSpan.Zero);
        forgetting.Release(1, Unit(5), 1, TimeSpan.FromSeconds(1));
        Assert.False(forgetting.Resolve(2, Unit(5), TimeSpan.FromSeconds(60)).Linked);
        Assert.Equal(1, forgetting.PeopleKept);
    }

    [Fact]
    public void Options_out_of_range_are_refused_with_the_option_named()
    {
        var e = Assert.Throws<ArgumentException>(() => new PersonRegistry(16, new PersonRegistryOptions { Threshold = 2 }));
        Assert.Contains("Threshold = 2", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => new FaceQualityGate(new FaceQualityOptions { MaxYaw = 0 }));
        Assert.Contains("MaxYaw", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<ArgumentException>(() => new IdentityOptions { FacesToResolve = 9, TemplateSize = 8 }.Validate());
        Assert.Contains("FacesToResolve = 9", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new IdentityOptions { Model = "gear" }.Validate());
    }
}
