using Mien.Results;

namespace Mien.Faces.Tracking;

/// <summary>Options of <see cref="FaceTracker"/>, with validation that names option, value and constraint.</summary>
public sealed record TrackerOptions
{
    /// <summary>Re-run the detector every this many frames while all faces are tracked (default 10); it always runs when nothing is tracked or a track was lost.</summary>
    public int DetectEveryFrames { get; init; } = 10;

    /// <summary>A track unseen for this long ends and its state is released (default 1 s).</summary>
    public TimeSpan EndAfter { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A face that appears near where a track ended, within this time, gets that track's id back (default 3 s).</summary>
    public TimeSpan ReacquireWithin { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Minimum overlap for a detection to belong to a track (default 0.25).</summary>
    public float MatchIoU { get; init; } = 0.25f;

    /// <summary>Two tracks overlapping more than this are one face; the younger ends (default 0.5).</summary>
    public float DuplicateIoU { get; init; } = 0.5f;

    /// <summary>At most this many tracks at once (default 20).</summary>
    public int MaxTracks { get; init; } = 20;

    /// <summary>Throws <see cref="ArgumentException"/> on invalid values.</summary>
    public void Validate()
    {
        if (DetectEveryFrames is < 1 or > 1000)
        {
            throw new ArgumentException($"{nameof(DetectEveryFrames)} = {DetectEveryFrames}: must be between 1 and 1000.");
        }

        if (EndAfter <= TimeSpan.Zero || ReacquireWithin < TimeSpan.Zero)
        {
            throw new ArgumentException($"{nameof(EndAfter)} = {EndAfter} must be positive and {nameof(ReacquireWithin)} = {ReacquireWithin} not negative.");
        }

        if (MatchIoU is <= 0 or >= 1 || DuplicateIoU is <= 0 or > 1)
        {
            throw new ArgumentException($"{nameof(MatchIoU)} = {MatchIoU} must be in (0, 1) and {nameof(DuplicateIoU)} = {DuplicateIoU} in (0, 1].");
        }

        if (MaxTracks is < 1 or > 1000)
        {
            throw new ArgumentException($"{nameof(MaxTracks)} = {MaxTracks}: must be between 1 and 1000.");
        }
    }
}

/// <summary>One tracked person.</summary>
public sealed class Track
{
    internal Track(int id, FaceBox box, TimeSpan now)
    {
        Id = id;
        Box = box;
        FirstSeen = now;
        LastSeen = now;
        Hits = 1;
    }

    /// <summary>Stable id (1, 2, …).</summary>
    public int Id { get; }

    /// <summary>Where the face was last seen.</summary>
    public FaceBox Box { get; internal set; }

    /// <summary>When the face was first seen.</summary>
    public TimeSpan FirstSeen { get; }

    /// <summary>When the face was last seen.</summary>
    public TimeSpan LastSeen { get; internal set; }

    /// <summary>Frames the face was seen in.</summary>
    public int Hits { get; internal set; }

    /// <summary>True when the last frame could not confirm the face (the detector runs on the next frame).</summary>
    public bool Missing { get; internal set; }

    internal float VelocityX { get; set; }

    internal float VelocityY { get; set; }
}

/// <summary>
/// Keeps a stable id per person across frames, driven by frame timestamps. The pipeline confirms tracks
/// with the face mesh every frame (MediaPipe-style: the previous mesh gives the next ROI) and runs the
/// detector only every few frames or when a track is lost; this class decides which detections are new
/// people, revives the id of a person who comes back soon, merges duplicates and ends stale tracks, and
/// reports those changes as events so per-track state can be released. Pure logic: no images, no models.
/// </summary>
public sealed class FaceTracker
{
    private readonly TrackerOptions _options;
    private readonly List<Track> _active = [];
    private readonly List<(Track Track, TimeSpan EndedAt)> _ended = [];
    private readonly List<TrackEvent> _events = [];
    private int _nextId = 1;

    /// <summary>Creates a tracker.</summary>
    public FaceTracker(TrackerOptions? options = null)
    {
        _options = options ?? new TrackerOptions();
        _options.Validate();
    }

    /// <summary>Tracks alive now.</summary>
    public IReadOnlyList<Track> Active => _active;

    /// <summary>Whether the detector should run on this frame.</summary>
    public bool ShouldDetect(long frameIndex) =>
        _active.Count == 0 || _active.Exists(t => t.Missing) || frameIndex % _options.DetectEveryFrames == 0;

    /// <summary>Where <paramref name="track"/>'s face is expected at <paramref name="now"/> (constant velocity).</summary>
    public static FaceBox Predict(Track track, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(track);
        var dt = (float)Math.Clamp((now - track.LastSeen).TotalSeconds, 0, 0.5);
        var b = track.Box;
        return b with { X = b.X + (track.VelocityX * dt), Y = b.Y + (track.VelocityY * dt) };
    }

    /// <summary>The face of <paramref name="track"/> was seen at <paramref name="box"/>.</summary>
    public void Observe(Track track, FaceBox box, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(track);
        var dt = (float)(now - track.LastSeen).TotalSeconds;
        if (dt > 1e-4f && dt < 1f)
        {
            // Smoothed velocity of the box centre, pixels per second.
            const float Alpha = 0.5f;
            track.VelocityX = (Alpha * (box.CenterX - track.Box.CenterX) / dt) + ((1 - Alpha) * track.VelocityX);
            track.VelocityY = (Alpha * (box.CenterY - track.Box.CenterY) / dt) + ((1 - Alpha) * track.VelocityY);
        }
        else if (dt >= 1f)
        {
            (track.VelocityX, track.VelocityY) = (0, 0);
        }

        track.Box = box;
        track.LastSeen = now;
        track.Hits++;
        track.Missing = false;
    }

    /// <summary>The face of <paramref name="track"/> could not be confirmed in this frame.</summary>
    public static void Miss(Track track)
    {
        ArgumentNullException.ThrowIfNull(track);
        track.Missing = true;
    }

    /// <summary>
    /// Pairs detections with tracks (greedy by overlap). Returns, for every detection that is not a face
    /// already confirmed this frame, the track it belongs to (a missing track to re-seed) or null (a new face).
    /// </summary>
    public IReadOnlyList<(FaceBox Detection, Track? Track)> Assign(IReadOnlyList<FaceBox> detections, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(detections);
        var pairs = new List<(float IoU, int Detection, Track Track)>();
        for (var d = 0; d < detections.Count; d++)
        {
            foreach (var t in _active)
            {
                var iou = detections[d].IoU(t.Missing ? Predict(t, now) : t.Box);
                if (iou >= _options.MatchIoU)
                {
                    pairs.Add((iou, d, t));
                }
            }
        }

        var usedDetections = new HashSet<int>();
        var usedTracks = new HashSet<Track>();
        var result = new List<(FaceBox, Track?)>();
        foreach (var (_, d, t) in pairs.OrderByDescending(p => p.IoU))
        {
            if (usedDetections.Contains(d) || usedTracks.Contains(t))
            {
                continue;
            }

            usedDetections.Add(d);
            usedTracks.Add(t);
            if (t.Missing)
            {
                result.Add((detections[d], t));
            }
        }

        for (var d = 0; d < detections.Count; d++)
        {
            // A detection overlapping a confirmed track a little is still that face: never start a duplicate.
            if (!usedDetections.Contains(d) && !_active.Exists(t => !t.Missing && t.Box.IoU(detections[d]) >= _options.MatchIoU / 2))
            {
                result.Add((detections[d], null));
            }
        }

        return result;
    }

    /// <summary>Starts a track for a new face, reusing the id of a person who left near there recently.</summary>
    public Track? Start(FaceBox box, TimeSpan now)
    {
        if (_active.Count >= _options.MaxTracks)
        {
            return null;
        }

        Track track;
        var revive = _ended
            .Where(e => now - e.EndedAt <= _options.ReacquireWithin && Near(e.Track.Box, box))
            .OrderBy(e => Distance(e.Track.Box, box))
            .Select(e => e.Track)
            .FirstOrDefault();
        if (revive is not null)
        {
            _ended.RemoveAll(e => e.Track == revive);
            track = new Track(revive.Id, box, now);
        }
        else
        {
            track = new Track(_nextId++, box, now);
        }

        _active.Add(track);
        _events.Add(new TrackEvent(TrackEventKind.Started, track.Id, now));
        return track;
    }

    /// <summary>Ends stale and duplicate tracks; returns the events since the last call, in order.</summary>
    public IReadOnlyList<TrackEvent> EndFrame(TimeSpan now)
    {
        foreach (var t in _active.ToArray())
        {
            if (now - t.LastSeen > _options.EndAfter)
            {
                End(t, now);
            }
        }

        // Two tracks on one face (e.g. a re-detection while the mesh drifted): keep the older.
        foreach (var young in _active.OrderByDescending(t => t.FirstSeen).ThenByDescending(t => t.Id).ToArray())
        {
            if (_active.Exists(old => old != young && old.FirstSeen <= young.FirstSeen && old.Id < young.Id && !old.Missing && old.Box.IoU(young.Box) > _options.DuplicateIoU))
            {
                End(young, now);
            }
        }

        _ended.RemoveAll(e => now - e.EndedAt > _options.ReacquireWithin);
        var events = _events.ToArray();
        _events.Clear();
        return events;
    }

    /// <summary>Ends every track (end of stream) and returns the events.</summary>
    public IReadOnlyList<TrackEvent> EndAll(TimeSpan now)
    {
        foreach (var t in _active.ToArray())
        {
            End(t, now);
        }

        var events = _events.ToArray();
        _events.Clear();
        return events;
    }

    private void End(Track t, TimeSpan now)
    {
        _active.Remove(t);
        _ended.Add((t, now));
        _events.Add(new TrackEvent(TrackEventKind.Ended, t.Id, now));
    }

    private static bool Near(FaceBox a, FaceBox b) => Distance(a, b) < Math.Max(a.Width, b.Width) * 1.5f && b.Width < a.Width * 2 && a.Width < b.Width * 2;

    private static float Distance(FaceBox a, FaceBox b) => MathF.Sqrt(((a.CenterX - b.CenterX) * (a.CenterX - b.CenterX)) + ((a.CenterY - b.CenterY) * (a.CenterY - b.CenterY)));
}
