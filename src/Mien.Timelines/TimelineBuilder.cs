using System.Text.Json;

namespace Mien.Timelines;

/// <summary>
/// Builds a <see cref="Timeline"/> from results in the public schema (docs/schema/mien-results-1.schema.json): frame
/// messages (<c>{"type":"frame","faces":[…]}</c>, as the REST API and the database hold them), face records (as in
/// faces.jsonl) and event records, fed in any order, in one pass, with memory bounded by the options whatever the
/// recording's length.
/// </summary>
/// <remarks>
/// Series names per person: <c>expression.&lt;label&gt;</c> (this frame's probabilities), <c>smoothed.&lt;label&gt;</c>
/// (the temporal model's), <c>valence</c>, <c>arousal</c>, <c>au.&lt;code&gt;</c> (the top action units only),
/// <c>eyes.openness</c>, <c>mouth.opening</c>, <c>pose.yaw</c>, <c>pose.pitch</c>, <c>pose.roll</c>,
/// <c>skin.&lt;metric&gt;</c> (usable frames only), <c>pulse.bpm</c>, <c>fused.valence</c>, <c>fused.arousal</c> and
/// <c>voice.arousal</c>/<c>voice.valence</c> (at the middle of each attributed speech segment). Every value is an
/// estimate of what a face or voice shows, as in the files.
/// </remarks>
public sealed class TimelineBuilder
{
    private static readonly string[] SkinMetrics = ["L", "a", "b", "ita", "roughness", "erythemaIndex", "spotAreaPercent", "shinePercent", "underEyeDarkness"];

    private readonly TimelineOptions _options;
    private readonly Dictionary<int, Person> _people = [];
    private readonly List<SpeechSpan> _unattributed = [];
    private int _omitted;
    private readonly HashSet<int> _omittedTracks = [];

    /// <summary>Creates a builder for the range and limits in <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public TimelineBuilder(TimelineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
    }

    /// <summary>Adds one stored payload: a frame message, a face record or an event record (anything else is ignored).</summary>
    /// <exception cref="JsonException">The payload is not JSON.</exception>
    public void Add(string payloadJson)
    {
        ArgumentNullException.ThrowIfNull(payloadJson);
        using var document = JsonDocument.Parse(payloadJson);
        Add(document.RootElement);
    }

    /// <summary>Adds one parsed payload (see <see cref="Add(string)"/>).</summary>
    public void Add(JsonElement record)
    {
        if (record.ValueKind != JsonValueKind.Object || !record.TryGetProperty("type", out var type))
        {
            return;
        }

        switch (type.GetString())
        {
            case "frame" when record.TryGetProperty("faces", out var faces) && faces.ValueKind == JsonValueKind.Array:
                var time = Number(record, "time");
                foreach (var face in faces.EnumerateArray())
                {
                    AddFace(face, Number(face, "time") ?? time);
                }

                break;
            case "face":
                AddFace(record, Number(record, "time"));
                break;
            case "event":
                AddEvent(record);
                break;
        }
    }

    /// <summary>The timeline of everything added so far.</summary>
    public Timeline Build()
    {
        var people = new List<PersonTimeline>(_people.Count);
        foreach (var person in _people.Values.OrderBy(p => p.Track))
        {
            people.Add(person.Build(_options));
        }

        return new Timeline(_options.From, _options.To, _options.MaxPoints, people, [.. _unattributed], _omitted);
    }

    private Person? PersonOf(int track)
    {
        if (_people.TryGetValue(track, out var person))
        {
            return person;
        }

        if (_people.Count >= _options.MaxPeople)
        {
            if (_omittedTracks.Count < 100_000 && _omittedTracks.Add(track))
            {
                _omitted++;
            }

            return null;
        }

        return _people[track] = new Person(track, _options);
    }

    private void AddFace(JsonElement face, double? time)
    {
        if (time is not { } t || t < _options.From || t > _options.To || Int(face, "track") is not { } track || PersonOf(track) is not { } person)
        {
            return;
        }

        person.Faces++;
        if (face.TryGetProperty("expression", out var expression) && expression.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in expression.EnumerateObject())
            {
                person.Add("expression." + p.Name, t, Value(p.Value));
            }
        }

        if (face.TryGetProperty("affect", out var affect) && affect.ValueKind == JsonValueKind.Object)
        {
            if (affect.TryGetProperty("smoothed", out var smoothed) && smoothed.ValueKind == JsonValueKind.Object)
            {
                foreach (var p in smoothed.EnumerateObject())
                {
                    person.Add("smoothed." + p.Name, t, Value(p.Value));
                }
            }

            person.Add("valence", t, Number(affect, "valence"));
            person.Add("arousal", t, Number(affect, "arousal"));
            if (affect.TryGetProperty("actionUnits", out var units) && units.ValueKind == JsonValueKind.Object)
            {
                foreach (var p in units.EnumerateObject())
                {
                    if (p.Name.StartsWith("AU", StringComparison.Ordinal) && p.Value.ValueKind == JsonValueKind.Number)
                    {
                        person.Add("au." + p.Name, t, p.Value.GetDouble());
                    }
                }
            }
        }

        if (face.TryGetProperty("eyes", out var eyes) && eyes.ValueKind == JsonValueKind.Object)
        {
            person.Add("eyes.openness", t, Number(eyes, "openness"));
            person.Eyes(t, eyes.TryGetProperty("inBlink", out var blink) && blink.ValueKind == JsonValueKind.True, _options.MaxEvents);
        }

        person.Add("mouth.opening", t, Number(face, "mouthOpening"));
        if (face.TryGetProperty("pose", out var pose) && pose.ValueKind == JsonValueKind.Object)
        {
            person.Add("pose.yaw", t, Number(pose, "yaw"));
            person.Add("pose.pitch", t, Number(pose, "pitch"));
            person.Add("pose.roll", t, Number(pose, "roll"));
        }

        if (face.TryGetProperty("skin", out var skin) && skin.ValueKind == JsonValueKind.Object && skin.TryGetProperty("usable", out var usable) && usable.ValueKind == JsonValueKind.True)
        {
            person.SkinFrames++;
            foreach (var metric in SkinMetrics)
            {
                person.Add("skin." + metric, t, Number(skin, metric));
            }

            if (skin.TryGetProperty("regions", out var regions) && regions.ValueKind == JsonValueKind.Array)
            {
                foreach (var region in regions.EnumerateArray())
                {
                    person.Region(region);
                }
            }
        }

        if (face.TryGetProperty("physiology", out var physiology) && physiology.ValueKind == JsonValueKind.Object
            && physiology.TryGetProperty("heartRate", out var heart) && heart.ValueKind == JsonValueKind.Object)
        {
            person.Add("pulse.bpm", t, Number(heart, "bpm"));
        }
    }

    private void AddEvent(JsonElement record)
    {
        var kind = record.TryGetProperty("event", out var e) ? e.GetString() : null;
        var track = Int(record, "track");
        switch (kind)
        {
            case "expression-segment" when track is { } t:
                var onset = Number(record, "onset") ?? 0;
                var offset = Number(record, "offset") ?? onset;
                if (offset < _options.From || onset > _options.To || PersonOf(t) is not { } person || person.Segments.Count >= _options.MaxEvents)
                {
                    return;
                }

                var units = new List<SegmentUnit>();
                if (record.TryGetProperty("actionUnits", out var aus) && aus.ValueKind == JsonValueKind.Array)
                {
                    foreach (var unit in aus.EnumerateArray())
                    {
                        units.Add(new SegmentUnit(unit.TryGetProperty("code", out var code) ? code.GetString() ?? "" : "", Number(unit, "meanIntensity") ?? 0, Number(unit, "aboveBaseline") ?? 0, Number(unit, "share") ?? 0));
                    }
                }

                person.Segments.Add(new SegmentSpan(record.TryGetProperty("expression", out var x) ? x.GetString() ?? "" : "", onset, Number(record, "apex") ?? onset, offset,
                    Number(record, "peakIntensity") ?? 0, Number(record, "meanValence") ?? 0, Number(record, "meanArousal") ?? 0, units));
                break;
            case "speech":
                var start = Number(record, "start") ?? 0;
                var end = Number(record, "end") ?? start;
                if (end < _options.From || start > _options.To)
                {
                    return;
                }

                var span = new SpeechSpan(start, end, Number(record, "arousal") ?? 0, Number(record, "valence") ?? 0, Number(record, "confidence") ?? 0);
                if (track is { } speaker && PersonOf(speaker) is { } talker)
                {
                    if (talker.Speech.Count < _options.MaxEvents)
                    {
                        talker.Speech.Add(span);
                        var middle = Math.Clamp((start + end) / 2, _options.From, _options.To);
                        talker.Add("voice.arousal", middle, span.Arousal);
                        talker.Add("voice.valence", middle, span.Valence);
                    }
                }
                else if (_unattributed.Count < _options.MaxEvents)
                {
                    _unattributed.Add(span);
                }

                break;
            case "fused-affect" when track is { } t:
                var middleOfWindow = ((Number(record, "start") ?? 0) + (Number(record, "end") ?? 0)) / 2;
                if (middleOfWindow >= _options.From && middleOfWindow <= _options.To && PersonOf(t) is { } fused)
                {
                    fused.Add("fused.valence", middleOfWindow, Number(record, "valence"));
                    fused.Add("fused.arousal", middleOfWindow, Number(record, "arousal"));
                }

                break;
        }
    }

    private static double? Value(JsonElement value) => value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;

    private static double? Number(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;

    private static int? Int(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var i) ? i : null;

    /// <summary>One person's accumulators.</summary>
    private sealed class Person(int track, TimelineOptions options)
    {
        private readonly Dictionary<string, MinMaxSeries> _series = new(StringComparer.Ordinal);
        private readonly Dictionary<string, RegionSums> _regions = new(StringComparer.Ordinal);
        private readonly List<double> _blinks = [];
        private long _blinkCount;
        private double _firstEyes = double.NaN;
        private double _lastEyes = double.NaN;
        private double _lastBlinkFrame = double.NaN;
        private bool _inBlink;

        public int Track => track;

        public long Faces { get; set; }

        public long SkinFrames { get; set; }

        public List<SegmentSpan> Segments { get; } = [];

        public List<SpeechSpan> Speech { get; } = [];

        public void Add(string name, double time, double? value)
        {
            if (value is not { } v)
            {
                return;
            }

            if (!_series.TryGetValue(name, out var series))
            {
                _series[name] = series = new MinMaxSeries(options.From, options.To, options.MaxPoints);
            }

            series.Add(time, v);
        }

        /// <summary>Counts a blink at each frame that enters one (frames arrive in time order per person).</summary>
        public void Eyes(double time, bool inBlink, int maxEvents)
        {
            if (double.IsNaN(_firstEyes))
            {
                _firstEyes = time;
            }

            _lastEyes = Math.Max(double.IsNaN(_lastEyes) ? time : _lastEyes, time);
            // A frame out of order (earlier than the last) cannot tell a new blink from the same one.
            if (inBlink && !_inBlink && !(time < _lastBlinkFrame))
            {
                _blinkCount++;
                if (_blinks.Count < maxEvents)
                {
                    _blinks.Add(time);
                }
            }

            _inBlink = inBlink;
            _lastBlinkFrame = time;
        }

        public void Region(JsonElement region)
        {
            if (!region.TryGetProperty("region", out var name) || name.GetString() is not { } key || region.TryGetProperty("issue", out _))
            {
                return;
            }

            if (!_regions.TryGetValue(key, out var sums))
            {
                if (_regions.Count >= 16)
                {
                    return; // the schema has seven regions; more is not Mien's output
                }

                _regions[key] = sums = new RegionSums();
            }

            sums.Frames++;
            sums.L.Add(Number(region, "L"));
            sums.Ita.Add(Number(region, "ita"));
            sums.Erythema.Add(Number(region, "erythemaIndex"));
            sums.Roughness.Add(Number(region, "roughness"));
            sums.Shine.Add(Number(region, "shinePercent"));
        }

        public PersonTimeline Build(TimelineOptions options)
        {
            var top = _series
                .Where(s => s.Key.StartsWith("au.", StringComparison.Ordinal) && s.Value.Count > 0)
                .OrderByDescending(s => s.Value.Sum / s.Value.Count).ThenBy(s => s.Key, StringComparer.Ordinal)
                .Take(options.TopActionUnits).Select(s => s.Key[3..]).ToArray();
            var shown = new HashSet<string>(top.Select(code => "au." + code), StringComparer.Ordinal);
            var series = new SortedDictionary<string, Series>(StringComparer.Ordinal);
            foreach (var (name, s) in _series)
            {
                if (s.Count == 0 || (name.StartsWith("au.", StringComparison.Ordinal) && !shown.Contains(name)))
                {
                    continue;
                }

                var points = s.ToPoints();
                var t = new double[points.Count];
                var v = new double[points.Count];
                for (var i = 0; i < points.Count; i++)
                {
                    t[i] = Math.Round(points[i].Time, 3);
                    v[i] = Math.Round(points[i].Value, 4);
                }

                series[name] = new Series(t, v, Math.Round(s.Sum / s.Count, 4), s.Count);
            }

            var measured = _lastEyes - _firstEyes;
            double? rate = double.IsNaN(measured) ? null : measured > 0 ? Math.Round(_blinkCount / measured * 60, 2) : 0;
            var skin = SkinFrames == 0 ? null : new SkinOverview(SkinFrames, [.. _regions.OrderBy(r => r.Key, StringComparer.Ordinal)
                .Select(r => new SkinRegionMean(r.Key, r.Value.Frames, r.Value.L.Mean, r.Value.Ita.Mean, r.Value.Erythema.Mean, r.Value.Roughness.Mean, r.Value.Shine.Mean))]);
            return new PersonTimeline(track, Faces, series, top, [.. _blinks], rate, [.. Segments.OrderBy(s => s.Onset)], [.. Speech.OrderBy(s => s.Start)], skin);
        }
    }

    private sealed class RegionSums
    {
        public long Frames { get; set; }

        public MeanOf L { get; } = new();

        public MeanOf Ita { get; } = new();

        public MeanOf Erythema { get; } = new();

        public MeanOf Roughness { get; } = new();

        public MeanOf Shine { get; } = new();
    }

    private sealed class MeanOf
    {
        private double _sum;
        private long _count;

        public double? Mean => _count == 0 ? null : Math.Round(_sum / _count, 3);

        public void Add(double? value)
        {
            if (value is { } v && double.IsFinite(v))
            {
                _sum += v;
                _count++;
            }
        }
    }
}
