using Mien.Cluster.Sessions;

namespace Mien.Cluster.Tests;

public sealed partial class ClusterTests
{
    [Fact]
    public async Task A_session_whose_client_never_returns_loses_its_checkpoint_when_the_abandonment_reminder_finds_it_idle()
    {
        var id = $"abandoned-{Guid.NewGuid():N}";
        var session = Cluster.Client.GetGrain<ISessionGrain>(id);
        await session.OpenAsync(new SessionStart("live", CheckpointEvery: 1));
        for (var seq = 0; seq < 3; seq++)
        {
            Assert.Equal(FrameOutcome.Analysed, (await session.AnalyzeAsync(Frame(seq))).Outcome);
        }

        Assert.True(SharedGrainStorage.Holds("session", id));
        // The reminder service calls the grain this way; the test calls it directly rather than wait the hour.
        var remindable = session.AsReference<IRemindable>();
        var tick = new TickStatus(DateTime.UtcNow, TimeSpan.FromHours(1), DateTime.UtcNow);

        // Frames came just now: the tick leaves the session alone.
        await remindable.ReceiveReminder(SessionGrain.AbandonedReminder, tick);
        Assert.True(SharedGrainStorage.Holds("session", id), "a session with recent frames keeps its checkpoint");
        Assert.Equal(FrameOutcome.Analysed, (await session.AnalyzeAsync(Frame(3))).Outcome);

        // 61 minutes on (the default limit is an hour) with no frame: ended, checkpoint deleted, the late client told why.
        ClusterFixture.Clock.Offset = TimeSpan.FromMinutes(61);
        try
        {
            await remindable.ReceiveReminder(SessionGrain.AbandonedReminder, tick);
            Assert.False(SharedGrainStorage.Holds("session", id), "the abandoned session's checkpoint was deleted");
            var late = await session.AnalyzeAsync(Frame(4));
            Assert.Equal(FrameOutcome.Ended, late.Outcome);
            Assert.Contains("no frame for 61 min", late.Problem, StringComparison.Ordinal);
            Assert.False((await session.StatusAsync()).Exists);
        }
        finally
        {
            ClusterFixture.Clock.Offset = TimeSpan.Zero;
        }

        FrameMessage Frame(int seq) => new(seq, TimeSpan.FromMilliseconds(seq * 40), fixture.Jpegs[seq % fixture.Jpegs.Count]);
    }
}
