using System.Numerics.Tensors;
using Mien.Identity.Liveness;
using Mien.Identity.Verification;
using Mien.Results;

namespace Mien.Identity.Tests;

/// <summary>Cross-session recognition of enrolled subjects, 1:N ranking and the temporal liveness cue: the pure parts.</summary>
public sealed class EnrolledSubjectTests
{
    private static float[] Unit(int seed, int n = 32)
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
    public void A_new_person_is_recognised_as_the_enrolled_subject_they_match_and_nobody_else_takes_that_subject()
    {
        var alice = Unit(1);
        var bob = Unit(2);
        var registry = new PersonRegistry(32, new PersonRegistryOptions { Enrolled = [new("subject-alice", alice), new("subject-bob", bob)] });

        var first = registry.Resolve(1, Near(alice, 0.85f, 10), TimeSpan.Zero);
        Assert.Equal("subject-alice", first.Subject);
        Assert.Equal(TensorPrimitives.Dot<float>(Near(alice, 0.85f, 10), alice), first.SubjectSimilarity!.Value, 4);

        // Someone else on screen at the same time who also resembles alice is not alice twice.
        var lookalike = registry.Resolve(2, Near(alice, 0.8f, 11), TimeSpan.FromSeconds(1));
        Assert.Null(lookalike.Subject);

        // A stranger below the threshold is a new, unnamed person.
        var stranger = registry.Resolve(3, Near(bob, 0.5f, 12), TimeSpan.FromSeconds(2));
        Assert.Null(stranger.Subject);
        Assert.Null(stranger.SubjectSimilarity);

        // Alice leaves and returns: re-linked in-session and still named.
        registry.Release(1, Near(alice, 0.85f, 10), 1, TimeSpan.FromSeconds(3));
        var back = registry.Resolve(4, Near(alice, 0.86f, 13), TimeSpan.FromSeconds(10));
        Assert.True(back.Linked);
        Assert.Equal(first.PersonId, back.PersonId);
        Assert.Equal("subject-alice", back.Subject);
    }

    [Fact]
    public void Without_enrolled_subjects_nobody_is_named_and_descriptors_of_another_model_are_refused()
    {
        var registry = new PersonRegistry(32);
        Assert.Null(registry.Resolve(1, Unit(1), TimeSpan.Zero).Subject);
        Assert.Throws<ArgumentException>(() => new PersonRegistry(32, new PersonRegistryOptions { Enrolled = [new("s", Unit(1, 16))] }));
    }

    [Fact]
    public void Identification_ranks_the_gallery_and_claims_only_the_best_at_the_operating_point()
    {
        var probe = Unit(5);
        var gallery = new[] { ("far", Near(probe, 0.2f, 1)), ("close", Near(probe, 0.7f, 2)), ("closest", Near(probe, 0.9f, 3)) };
        var ranked = IdentityMatcher.Identify(probe, gallery, OperatingPoint.Fmr01Percent, top: 2);
        Assert.Equal(["closest", "close"], ranked.Select(c => c.Key));
        Assert.True(ranked[0].Match);
        Assert.False(ranked[1].Match); // above the threshold too, but only the best is claimed
        Assert.False(IdentityMatcher.Identify(probe, [("close", Near(probe, 0.65f, 4))], OperatingPoint.Fmr01Percent)[0].Match);
        Assert.True(IdentityMatcher.Identify(probe, [("close", Near(probe, 0.65f, 4))], OperatingPoint.Fmr1Percent)[0].Match);
        Assert.Null(OperatingPoint.ByName("5%"));
        Assert.Same(OperatingPoint.Fmr01Percent, OperatingPoint.ByName(null));
        Assert.Throws<ArgumentException>(() => IdentityMatcher.Similarity(probe, Unit(1, 16)));
    }

    [Fact]
    public void Temporal_cue_sees_no_motion_in_a_repeated_or_rigidly_moved_picture_and_sees_a_face_deform()
    {
        var random = new Random(7);
        var face = Enumerable.Range(0, 478).Select(_ => new Point3((float)(200 + (100 * random.NextDouble())), (float)(150 + (120 * random.NextDouble())), 0)).ToArray();
        // A photo moved as a whole: rotated 5°, scaled 1.1, shifted.
        var (cos, sin) = (MathF.Cos(0.087f) * 1.1f, MathF.Sin(0.087f) * 1.1f);
        var moved = face.Select(p => new Point3((cos * p.X) - (sin * p.Y) + 13, (sin * p.X) + (cos * p.Y) - 7, 0)).ToArray();
        // A live face: the same, with a local deformation (mouth and brows move, about 2 % of the eye distance).
        var deformed = moved.Select((p, i) => i % 5 == 0 ? new Point3(p.X + (float)(3 * random.NextDouble()), p.Y + (float)(3 * random.NextDouble()), 0) : p).ToArray();

        var still = TemporalLivenessCue.Measure([face, face, face], [0.3f, 0.3f, 0.3f]);
        Assert.Equal(2, still.IdenticalPairs);
        Assert.Equal(0, still.NonRigidMotion);
        var rigid = TemporalLivenessCue.Measure([face, moved], [0.3f, 0.3f]);
        Assert.Equal(0, rigid.IdenticalPairs);
        Assert.True(rigid.NonRigidMotion < 1e-4, $"{rigid.NonRigidMotion}");
        var live = TemporalLivenessCue.Measure([face, deformed], [0.3f, 0.1f]);
        Assert.True(live.NonRigidMotion > 100 * rigid.NonRigidMotion, $"{live.NonRigidMotion} vs {rigid.NonRigidMotion}");
        Assert.Equal(0.2f, live.OpennessRange, 4);
        Assert.Throws<ArgumentException>(() => TemporalLivenessCue.Measure([face], []));
    }
}
