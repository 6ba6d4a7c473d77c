namespace Mien.Cluster.Tests;

public sealed partial class ClusterTests
{
    [Fact]
    public async Task Withdrawing_analysis_then_erasing_a_subject_ends_its_sessions_on_every_silo_and_deletes_their_checkpoints()
    {
        var silos = Cluster.Silos.ToList();
        var subject = $"project-2/{Guid.NewGuid():N}";
        var (first, second, anonymous) = ($"subject-a-{Guid.NewGuid():N}", $"subject-b-{Guid.NewGuid():N}", $"anonymous-{Guid.NewGuid():N}");
        // Two sessions of the subject opened through different silos (placement spreads them by load), one of nobody.
        var opened = new[]
        {
            await ClusterFixture.Through(silos[0]).GetGrain<ISessionGrain>(first).OpenAsync(new SessionStart("live", CheckpointEvery: 2, Subject: subject)),
            await ClusterFixture.Through(silos[1]).GetGrain<ISessionGrain>(second).OpenAsync(new SessionStart("live", CheckpointEvery: 2, Subject: subject)),
            await ClusterFixture.Through(silos[1]).GetGrain<ISessionGrain>(anonymous).OpenAsync(new SessionStart("live", CheckpointEvery: 2)),
        };
        Assert.NotEqual(opened[0].Silo, opened[1].Silo);
        foreach (var id in new[] { first, second, anonymous })
        {
            for (var seq = 0; seq < 3; seq++)
            {
                Assert.Equal(FrameOutcome.Analysed, (await Cluster.Client.GetGrain<ISessionGrain>(id).AnalyzeAsync(Frame(seq))).Outcome);
            }

            Assert.True(SharedGrainStorage.Holds("session", id), $"session {id} has a checkpoint after 3 frames");
        }

        // The sessions register with their subject one-way as they open: wait (bounded) until both have arrived.
        var subjectGrain = ClusterFixture.Through(silos[^1]).GetGrain<ISubjectGrain>(subject);
        for (var i = 0; i < 100 && (await subjectGrain.StateAsync()).Sessions < 2; i++)
        {
            await Task.Delay(20);
        }

        Assert.Equal(2, (await subjectGrain.StateAsync()).Sessions);
        await subjectGrain.GrantAsync(new ConsentGrant(["analysis", "measurements"], "v1", "test"));
        var withdrawn = await subjectGrain.WithdrawAsync("analysis", "the subject, by phone");

        Assert.Equal(2, withdrawn.SessionsEnded);
        Assert.Equal(0, withdrawn.Sessions);
        Assert.Empty(withdrawn.Scopes);
        foreach (var id in new[] { first, second })
        {
            // The checkpoint row is gone from grain storage and the session answers its next frame as ended, with the reason.
            Assert.False(SharedGrainStorage.Holds("session", id), $"session {id}'s checkpoint was deleted");
            var next = await Cluster.Client.GetGrain<ISessionGrain>(id).AnalyzeAsync(Frame(3));
            Assert.Equal(FrameOutcome.Ended, next.Outcome);
            Assert.Contains("withdrawn", next.Problem, StringComparison.Ordinal);
            var status = await Cluster.Client.GetGrain<ISessionGrain>(id).StatusAsync();
            Assert.False(status.Exists);
            Assert.Empty(status.People);
        }

        // Nobody's session is not the subject's: it goes on.
        Assert.Equal(FrameOutcome.Analysed, (await Cluster.Client.GetGrain<ISessionGrain>(anonymous).AnalyzeAsync(Frame(3))).Outcome);
        Assert.True(SharedGrainStorage.Holds("session", anonymous));
        await Cluster.Client.GetGrain<ISessionGrain>(anonymous).CloseAsync();
        Assert.False(SharedGrainStorage.Holds("session", anonymous), "a closed session's checkpoint is deleted too");

        // A session of the subject opened after the withdrawal (its node's consent check raced it) is ended as it registers.
        var late = $"subject-late-{Guid.NewGuid():N}";
        await ClusterFixture.Through(silos[0]).GetGrain<ISessionGrain>(late).OpenAsync(new SessionStart("live", Subject: subject));
        var outcome = FrameOutcome.Analysed;
        for (var seq = 0; seq < 100 && outcome == FrameOutcome.Analysed; seq++)
        {
            outcome = (await Cluster.Client.GetGrain<ISessionGrain>(late).AnalyzeAsync(Frame(seq))).Outcome;
        }

        Assert.Equal(FrameOutcome.Ended, outcome);
        Assert.False(SharedGrainStorage.Holds("session", late));

        // Erasure, after consent to analysis was given again: a session of the subject opened since is ended with its
        // checkpoint, and the receipt says so.
        await subjectGrain.GrantAsync(new ConsentGrant(["analysis"], "v2", "test"));
        var third = $"subject-c-{Guid.NewGuid():N}";
        await ClusterFixture.Through(silos[0]).GetGrain<ISessionGrain>(third).OpenAsync(new SessionStart("live", CheckpointEvery: 1, Subject: subject));
        Assert.Equal(FrameOutcome.Analysed, (await Cluster.Client.GetGrain<ISessionGrain>(third).AnalyzeAsync(Frame(0))).Outcome);
        for (var i = 0; i < 100 && (await subjectGrain.StateAsync()).Sessions < 1; i++)
        {
            await Task.Delay(20);
        }

        var receipt = await Cluster.Client.GetGrain<ISubjectGrain>(subject).EraseAsync("the subject asked");
        Assert.Equal(1, receipt.SessionsEnded);
        Assert.Equal("cluster sessions ended, checkpoints deleted: 1", receipt.Steps[^1]);
        Assert.False(SharedGrainStorage.Holds("session", third));
        Assert.Equal(FrameOutcome.Ended, (await Cluster.Client.GetGrain<ISessionGrain>(third).AnalyzeAsync(Frame(1))).Outcome);

        FrameMessage Frame(int seq) => new(seq, TimeSpan.FromMilliseconds(seq * 40), fixture.Jpegs[seq % fixture.Jpegs.Count]);
    }
}
