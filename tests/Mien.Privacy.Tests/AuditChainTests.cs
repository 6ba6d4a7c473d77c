using Mien.Privacy.Audit;

namespace Mien.Privacy.Tests;

/// <summary>The audit chain's encoding, hashing and verification, pinned against an independent reference (tools/audit-vectors.py).</summary>
public sealed class AuditChainTests
{
    private static readonly Guid Project = Guid.Parse("0195f3a2-7c41-7b3e-9a10-4d2c8e6f5a01");
    private static readonly DateTimeOffset At = new DateTimeOffset(2026, 3, 1, 9, 30, 15, TimeSpan.Zero).AddTicks(1_234_560);

    [Fact]
    public void Genesis_entry_hash_and_subject_reference_match_the_independent_reference()
    {
        var record = new AuditRecord("key:0195f3a2-7c41-7b3e-9a10-4d2c8e6f5a02", "results.read", "200", "00112233445566778899aabbccddeeff", null, "{\"route\":\"/frames\",\"n\":1,\"é\":\"ü\"}");
        var genesis = AuditChain.Genesis(Project);

        Assert.Equal("1f8c0850707fe0514e04b9677c1728b714ed96d599f18855a393f8a6ca02c756", genesis);
        Assert.Equal("ed1e98758d9b76b3237139285f5676a5fe73cbf745634ebc817c0e18fc4ccea3", AuditChain.Hash(genesis, Project, 1, At, record));
        var salt = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        Assert.Equal("68d25e373df33bdbc8099efa434db029", SubjectRef.Compute(salt, Guid.Parse("0195f3a2-7c41-7b3e-9a10-4d2c8e6f5a03")));
    }

    [Fact]
    public void A_chain_verifies_from_its_genesis_and_from_a_retention_anchor()
    {
        var chain = Chain(Project, 10);
        var whole = new AuditChainVerifier(Project, 0, AuditChain.Genesis(Project));
        Assert.All(chain, e => Assert.True(whole.Accept(e)));
        Assert.True(whole.Finish(10, chain[^1].Hash));
        Assert.Equal((10L, chain[^1].Hash), (whole.Verified, whole.HeadHash));

        var anchored = new AuditChainVerifier(Project, 4, chain[3].Hash);
        Assert.All(chain.Skip(4), e => Assert.True(anchored.Accept(e)));
        Assert.True(anchored.Finish(10, chain[^1].Hash));
        Assert.Equal(6, anchored.Verified);
    }

    public static TheoryData<string> Fields => ["seq", "at", "project", "actor", "action", "outcome", "subjectRef", "target", "detail", "hash"];

    [Theory, MemberData(nameof(Fields))]
    public void Changing_any_field_of_an_entry_breaks_the_chain_at_that_entry(string field)
    {
        var chain = Chain(Project, 6);
        var e = chain[2];
        chain[2] = field switch
        {
            "seq" => e with { Seq = 4 },
            "at" => e with { At = e.At.AddTicks(10) },
            "project" => e with { ProjectId = Guid.CreateVersion7() },
            "actor" => e with { Record = e.Record with { Actor = AuditActors.ApiKey(Guid.CreateVersion7()) } },
            "action" => e with { Record = e.Record with { Action = "results.export" } },
            "outcome" => e with { Record = e.Record with { Outcome = "404" } },
            "subjectRef" => e with { Record = e.Record with { SubjectRef = null } },
            "target" => e with { Record = e.Record with { Target = "other" } },
            "detail" => e with { Record = e.Record with { DetailJson = e.Record.DetailJson.Replace(":", ": ", StringComparison.Ordinal) } },
            "hash" => e with { Hash = new string('0', 64) },
            _ => throw new ArgumentOutOfRangeException(nameof(field)),
        };

        var verifier = Verify(chain);
        Assert.False(verifier.Valid);
        Assert.Equal(3L, verifier.FirstBrokenSeq);
        Assert.Equal(2L, verifier.LastSeq);
    }

    [Fact]
    public void A_rewritten_entry_with_a_recomputed_hash_breaks_the_chain_at_the_next_entry()
    {
        var chain = Chain(Project, 6);
        var forged = chain[2].Record with { Outcome = "403" };
        chain[2] = chain[2] with { Record = forged, Hash = AuditChain.Hash(chain[1].Hash, Project, 3, chain[2].At, forged) };
        Assert.Equal(4L, Verify(chain).FirstBrokenSeq);
    }

    [Fact]
    public void Removed_repeated_and_swapped_entries_are_found_at_the_first_wrong_seq()
    {
        var chain = Chain(Project, 8);
        Assert.Equal(5L, Verify([.. chain.Where(e => e.Seq != 5)]).FirstBrokenSeq);
        Assert.Equal(4L, Verify([.. chain.Take(4), chain[3], .. chain.Skip(4)]).FirstBrokenSeq);
        Assert.Equal(3L, Verify([chain[0], chain[1], chain[3], chain[2], .. chain.Skip(4)]).FirstBrokenSeq);

        // Entries cut from the end show against the head the database recorded.
        var tail = Verify([.. chain.Take(6)]);
        Assert.True(tail.Valid);
        Assert.False(tail.Finish(8, chain[^1].Hash));
        Assert.Equal(7L, tail.FirstBrokenSeq);
    }

    [Fact]
    public void One_projects_entries_do_not_verify_in_another_projects_chain()
    {
        var other = Guid.CreateVersion7();
        Assert.NotEqual(AuditChain.Genesis(Project), AuditChain.Genesis(other));
        var verifier = new AuditChainVerifier(other, 0, AuditChain.Genesis(other));
        Assert.False(verifier.Accept(Chain(Project, 1)[0]));
        Assert.Equal(1L, verifier.FirstBrokenSeq);
    }

    [Fact]
    public void Fields_are_length_prefixed_so_moving_text_between_them_changes_the_hash()
    {
        var genesis = AuditChain.Genesis(Project);
        var a = AuditChain.Hash(genesis, Project, 1, At, new AuditRecord("key:ab", "c.d", "200"));
        var b = AuditChain.Hash(genesis, Project, 1, At, new AuditRecord("key:a", "bc.d", "200"));
        var c = AuditChain.Hash(genesis, Project, 1, At, new AuditRecord("key:ab", "c.d", "200", Target: "x"));
        var d = AuditChain.Hash(genesis, Project, 1, At, new AuditRecord("key:ab", "c.d", "200", DetailJson: "{\"t\":\"x\"}"));
        Assert.Equal(4, new[] { a, b, c, d }.Distinct().Count());
    }

    [Fact]
    public void The_same_instant_in_another_offset_hashes_the_same()
    {
        var genesis = AuditChain.Genesis(Project);
        var record = new AuditRecord("service:retention", "retention.run", "ok");
        Assert.Equal(AuditChain.Hash(genesis, Project, 1, At, record), AuditChain.Hash(genesis, Project, 1, At.ToOffset(TimeSpan.FromHours(2)), record));
    }

    [Fact]
    public void Subject_references_depend_on_salt_and_subject_and_refuse_a_wrong_salt()
    {
        var subject = Guid.CreateVersion7();
        var salt = SubjectRef.NewSalt();
        var reference = SubjectRef.Compute(salt, subject);
        Assert.True(SubjectRef.IsWellFormed(reference));
        Assert.Equal(reference, SubjectRef.Compute(salt, subject));
        Assert.NotEqual(reference, SubjectRef.Compute(SubjectRef.NewSalt(), subject));
        Assert.NotEqual(reference, SubjectRef.Compute(salt, Guid.CreateVersion7()));
        Assert.DoesNotContain(subject.ToString("N")[..8], reference, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => SubjectRef.Compute(new byte[16], subject));
        Assert.False(SubjectRef.IsWellFormed(subject.ToString("N").ToUpperInvariant()));
        Assert.False(SubjectRef.IsWellFormed("participant-0042"));
    }

    private static List<AuditEntry> Chain(Guid project, int count)
    {
        var chain = new List<AuditEntry>();
        var previous = AuditChain.Genesis(project);
        for (var seq = 1; seq <= count; seq++)
        {
            var record = new AuditRecord(AuditActors.ApiKey(Guid.CreateVersion7()), "results.read", "200", SubjectRef.Compute(SubjectRef.NewSalt(), Guid.CreateVersion7()), Guid.CreateVersion7().ToString("D"), $"{{\"page\":{seq}}}");
            var at = At.AddSeconds(seq);
            previous = AuditChain.Hash(previous, project, seq, at, record);
            chain.Add(new AuditEntry(project, seq, at, record, previous));
        }

        return chain;
    }

    private static AuditChainVerifier Verify(IEnumerable<AuditEntry> entries)
    {
        var verifier = new AuditChainVerifier(Project, 0, AuditChain.Genesis(Project));
        foreach (var entry in entries)
        {
            if (!verifier.Accept(entry))
            {
                break;
            }
        }

        return verifier;
    }
}
