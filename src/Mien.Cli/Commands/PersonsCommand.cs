using System.CommandLine;
using System.Globalization;
using Mien.Sessions.Persons;

namespace Mien.Cli.Commands;

/// <summary>
/// `mien persons`: the people of a finished `mien analyze` results folder (which tracks re-identification linked into
/// one person, and the similarity behind each link), and `split`, the user's correction of a wrong merge: the named
/// tracks become a new person in faces.jsonl, the split is recorded in faces.jsonl (a person-split event with the
/// original similarities) and in summary.json. The work is <see cref="ResultFolderPersons"/>'s (the service's
/// `POST recordings/{id}/persons/{person}/split` does the same to stored results).
/// </summary>
internal static class PersonsCommand
{
    public static Command Create()
    {
        var command = new Command("persons", "People of an analysis (re-identification across track breaks) and splitting a wrong merge (see docs/identity.md).");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Split());
        return command;
    }

    private static Argument<string> Folder() => new("results") { Description = "The results folder of a finished `mien analyze` run (holds faces.jsonl)." };

    private static Command List()
    {
        var folder = Folder();
        var command = new Command("list", "Each person's tracks, with how each was linked (similarity to the best absent person, threshold) and any split.") { folder };
        command.SetAction(parse =>
        {
            var links = Read(parse.GetValue(folder)!, static f => ResultFolderPersons.Read(f));
            if (links.People.Count == 0)
            {
                Console.WriteLine("mien: no people in these results (identity was off, or no face was resolved)");
                return ExitCodes.Ok;
            }

            foreach (var person in links.People)
            {
                Console.WriteLine($"person {person.Person}: tracks {string.Join(", ", person.Tracks.Select(t => t.Track))}");
                foreach (var t in person.Tracks)
                {
                    Console.WriteLine("  " + Describe(t));
                }
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Split()
    {
        var folder = Folder();
        var person = new Option<int>("--person", "-p") { Description = "The person whose tracks were wrongly merged.", Required = true };
        var tracks = new Option<string>("--tracks", "-t") { Description = "The tracks that show someone else, comma-separated (e.g. 3,5); they become one new person.", Required = true };
        var by = new Option<string?>("--by") { Description = "Who splits, recorded with the split (default: the local user name)." };
        var command = new Command("split", "Split a wrong re-identification merge: the named tracks of --person become a new person; faces.jsonl and summary.json are rewritten and the split recorded with the original similarities.")
        {
            folder, person, tracks, by,
        };
        command.SetAction(parse =>
        {
            var (parsed, problem) = PersonLinks.ParseTracks(parse.GetValue(tracks));
            if (parsed is null)
            {
                throw new InvalidOptionException("--tracks: " + problem);
            }

            var who = parse.GetValue(by) is { Length: > 0 } named ? named : "local:" + Environment.UserName;
            var path = parse.GetValue(folder)!;
            var split = Read(path, f => ResultFolderPersons.Split(f, parse.GetValue(person), parsed, who, DateTimeOffset.UtcNow));
            Console.WriteLine($"mien: tracks {string.Join(", ", split.Tracks)} of person {split.Person} are now person {split.NewPerson} in {Path.Combine(path, "faces.jsonl")}; the split and the original links are recorded there and in summary.json:");
            foreach (var t in split.Evidence)
            {
                Console.WriteLine("  was " + Describe(t));
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static T Read<T>(string folder, Func<string, T> read)
    {
        try
        {
            return read(folder);
        }
        catch (PersonSplitException e) when (e.Error is PersonSplitError.NoLinks)
        {
            throw new InputException($"{folder}: {e.Message}", e);
        }
        catch (PersonSplitException e)
        {
            throw new InvalidOptionException(e.Message);
        }
        catch (FileNotFoundException e)
        {
            throw new InputException(e.Message, e);
        }
        catch (DirectoryNotFoundException e)
        {
            throw new InputException($"{folder}: no such folder", e);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new InputException($"{folder}: faces.jsonl has a line that is not JSON ({e.Message}); the results are damaged", e);
        }
    }

    private static string Describe(TrackLink t)
    {
        var s = string.Create(CultureInfo.InvariantCulture, $"track {t.Track} at {t.Time:0.###} s: ");
        s += t.Linked
            ? string.Create(CultureInfo.InvariantCulture, $"linked to person {t.Candidate} at similarity {t.Similarity:0.###} (threshold {t.Threshold:0.###})")
            : t.Similarity is { } sim
                ? string.Create(CultureInfo.InvariantCulture, $"new person (best absent person {t.Candidate} at {sim:0.###}, below {t.Threshold:0.###})")
                : "new person (nobody absent to compare with)";
        return t.SplitFrom is { } from ? s + $"; split away from person {from} by a user" : s;
    }
}
