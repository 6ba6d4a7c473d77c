using System.Runtime.Versioning;
using System.Security.Cryptography;
using System.Text;
using Mien.Privacy.Encryption;

namespace Mien.Privacy.Tests;

/// <summary>The primitives of encryption at rest: master keys and their sources, data-key wrapping, sealed values and sealed files.</summary>
[UnsupportedOSPlatform("windows")]
public sealed class EncryptionTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("mien-crypt-").FullName;

    [Fact]
    public void A_key_file_is_created_0600_and_read_back_as_the_same_key()
    {
        var path = Path.Combine(_folder, "conf", "mien", "master.key");
        using var created = MasterKey.CreateFile(path, "test");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(path)!));
        using var read = MasterKey.ReadFile(path, "--master-key-file");
        Assert.Equal(created.Id, read.Id);
        Assert.Matches("^mk-[0-9a-f]{16}$", read.Id);
        Assert.True(read.Matches(created.CheckValue));
        Assert.Throws<IOException>(() => MasterKey.CreateFile(path, "test")); // never overwritten
    }

    [Fact]
    public void Bad_keys_are_refused_naming_their_source_and_never_their_content()
    {
        var path = Path.Combine(_folder, "open.key");
        File.WriteAllText(path, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var open = Assert.Throws<MasterKeyException>(() => MasterKey.ReadFile(path, "--master-key-file"));
        Assert.Contains($"chmod 600 {path}", open.Message, StringComparison.Ordinal);
        Assert.Contains("mode 0644", open.Message, StringComparison.Ordinal);

        Assert.Contains("does not exist", Assert.Throws<MasterKeyException>(() => MasterKey.ReadFile(Path.Combine(_folder, "none.key"), "MIEN_MASTER_KEY_FILE")).Message, StringComparison.Ordinal);

        var shortKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var tooShort = Assert.Throws<MasterKeyException>(() => MasterKey.FromBase64(shortKey, "MIEN_MASTER_KEY"));
        Assert.Contains("MIEN_MASTER_KEY holds 16 bytes", tooShort.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(shortKey, tooShort.Message, StringComparison.Ordinal);

        var malformed = Assert.Throws<MasterKeyException>(() => MasterKey.FromBase64("not*base64*at*all", "MIEN_MASTER_KEY"));
        Assert.Contains("MIEN_MASTER_KEY is not valid base64", malformed.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not*base64", malformed.Message, StringComparison.Ordinal);
        Assert.Contains("is empty", Assert.Throws<MasterKeyException>(() => MasterKey.FromBase64("  ", "MIEN_MASTER_KEY")).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Key_sources_follow_the_documented_order_and_the_default_file_lives_in_the_config_folder()
    {
        var keyFile = Path.Combine(_folder, "k.key");
        using (MasterKey.CreateFile(keyFile, "t"))
        {
        }

        var text = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var env = new Dictionary<string, string?> { ["XDG_CONFIG_HOME"] = Path.Combine(_folder, "xdg"), ["MIEN_MASTER_KEY"] = text };
        Assert.Equal(Path.Combine(_folder, "xdg", "mien", "master.key"), MasterKeySources.DefaultFile(k => env.GetValueOrDefault(k)));
        Assert.Equal("MIEN_MASTER_KEY", MasterKeySources.Resolve(null, k => env.GetValueOrDefault(k)).Key!.Source);
        env["MIEN_MASTER_KEY_FILE"] = keyFile;
        Assert.Equal($"the file {keyFile} (MIEN_MASTER_KEY_FILE)", MasterKeySources.Resolve(null, k => env.GetValueOrDefault(k)).Key!.Source);
        Assert.Equal($"the file {keyFile} (--master-key-file)", MasterKeySources.Resolve(keyFile, k => env.GetValueOrDefault(k)).Key!.Source);
        Assert.Null(MasterKeySources.Resolve(null, k => k == "XDG_CONFIG_HOME" ? env[k] : null).Key);
        env["MIEN_MASTER_KEY_PREVIOUS"] = text;
        Assert.NotNull(MasterKeySources.ResolvePrevious(k => env.GetValueOrDefault(k)));
    }

    [Fact]
    public void A_wrapped_data_key_opens_only_under_its_master_key_project_and_version()
    {
        using var master = MasterKey.Generate("a");
        using var other = MasterKey.Generate("b");
        var project = Guid.NewGuid();
        using var key = DataKey.Generate(project, 3);
        var wrapped = master.Wrap(key);
        Assert.Equal(MasterKey.WrappedSize, wrapped.Length);
        using var back = master.Unwrap(project, 3, wrapped);
        var sample = FieldCipher.Seal(key, "x"u8, new RowBinding("t", "r"));
        Assert.Equal("x"u8.ToArray(), FieldCipher.Open(back, sample, new RowBinding("t", "r")));

        Assert.Contains("another master key", Assert.Throws<EncryptionException>(() => other.Unwrap(project, 3, wrapped)).Message, StringComparison.Ordinal);
        Assert.Throws<EncryptionException>(() => master.Unwrap(Guid.NewGuid(), 3, wrapped));
        Assert.Throws<EncryptionException>(() => master.Unwrap(project, 4, wrapped));
        Assert.DoesNotContain(Convert.ToBase64String(wrapped[13..45]), master.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_sealed_value_fails_on_every_flipped_byte_and_in_another_row()
    {
        using var key = DataKey.Generate(Guid.NewGuid(), 1);
        var binding = new RowBinding("frames", "r/7");
        var plain = Encoding.UTF8.GetBytes("{\"landmarks\":[[1.5,2.5,3.5]]}");
        var envelope = FieldCipher.Seal(key, plain, binding);
        Assert.Equal(plain.Length + FieldCipher.Overhead, envelope.Length);
        Assert.Equal(plain, FieldCipher.Open(key, envelope, binding));
        Assert.NotEqual(envelope, FieldCipher.Seal(key, plain, binding)); // fresh nonce each time

        for (var i = 0; i < envelope.Length; i++)
        {
            var tampered = (byte[])envelope.Clone();
            tampered[i] ^= 0x01;
            Assert.Throws<EncryptionException>(() => FieldCipher.Open(key, tampered, binding));
        }

        var moved = Assert.Throws<EncryptionException>(() => FieldCipher.Open(key, envelope, new RowBinding("frames", "r/8")));
        Assert.Contains("altered or belong to another row", moved.Message, StringComparison.Ordinal);
        using var next = DataKey.Generate(key.ProjectId, 2);
        Assert.Contains("sealed with data key 1", Assert.Throws<EncryptionException>(() => FieldCipher.Open(next, envelope, binding)).Message, StringComparison.Ordinal);

        var column = SealedJson.Seal(key, "{\"a\":1}", binding);
        Assert.StartsWith("{\"sealed\":\"", column, StringComparison.Ordinal);
        Assert.Equal("{\"a\":1}", SealedJson.Open(column.Replace(":", ": ", StringComparison.Ordinal), _ => key, binding)); // jsonb re-spacing
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(SealedFile.ChunkSize - 1)]
    [InlineData(SealedFile.ChunkSize)]
    [InlineData(SealedFile.ChunkSize + 1)]
    [InlineData((3 * SealedFile.ChunkSize) + 12345)]
    public void A_sealed_file_reads_back_whole_and_at_any_offset(int length)
    {
        using var key = DataKey.Generate(Guid.NewGuid(), 1);
        var plain = RandomNumberGenerator.GetBytes(length);
        var source = Path.Combine(_folder, "plain.bin");
        var sealedPath = Path.Combine(_folder, "sealed.bin");
        File.WriteAllBytes(source, plain);
        SealedFile.Seal(source, sealedPath, key, "recording/x/faces.csv");
        Assert.True(SealedFile.IsSealed(sealedPath));
        Assert.Equal(1, SealedFile.KeyVersion(sealedPath));

        using var stream = SealedFile.OpenRead(sealedPath, key, "recording/x/faces.csv");
        Assert.Equal(length, stream.Length);
        using var all = new MemoryStream();
        stream.CopyTo(all);
        Assert.Equal(plain, all.ToArray());

        var random = new Random(length);
        for (var i = 0; i < 20 && length > 0; i++)
        {
            var at = random.Next(length);
            var count = Math.Min(random.Next(1, 3 * SealedFile.ChunkSize), length - at);
            stream.Position = at;
            var buffer = new byte[count];
            stream.ReadExactly(buffer);
            Assert.Equal(plain.AsSpan(at, count).ToArray(), buffer);
        }
    }

    [Fact]
    public void A_sealed_file_that_was_truncated_reordered_altered_or_moved_does_not_open()
    {
        using var key = DataKey.Generate(Guid.NewGuid(), 1);
        var plain = RandomNumberGenerator.GetBytes((3 * SealedFile.ChunkSize) + 100);
        var source = Path.Combine(_folder, "plain.bin");
        File.WriteAllBytes(source, plain);
        var good = Path.Combine(_folder, "good.bin");
        SealedFile.Seal(source, good, key, "recording/a/x.mp4");
        var bytes = File.ReadAllBytes(good);
        const int Record = SealedFile.ChunkSize + 16, Header = 64;

        void Refused(string what, byte[] variant, string context = "recording/a/x.mp4")
        {
            var path = Path.Combine(_folder, what + ".bin");
            File.WriteAllBytes(path, variant);
            var e = Assert.ThrowsAny<EncryptionException>(() =>
            {
                using var s = SealedFile.OpenRead(path, key, context);
                s.CopyTo(Stream.Null);
            });
            Assert.Contains(path, e.Message, StringComparison.Ordinal);
        }

        Refused("cut-at-chunk", bytes[..(Header + (3 * Record))]); // whole chunks, but the new last one was not sealed as last
        Refused("cut-mid-chunk", bytes[..^50]);
        var swapped = (byte[])bytes.Clone();
        bytes.AsSpan(Header, Record).CopyTo(swapped.AsSpan(Header + Record));
        bytes.AsSpan(Header + Record, Record).CopyTo(swapped.AsSpan(Header));
        Refused("swapped", swapped);
        var flipped = (byte[])bytes.Clone();
        flipped[Header + Record + 10] ^= 0x80;
        Refused("flipped", flipped);
        var header = (byte[])bytes.Clone();
        header[30] ^= 0x01; // the salt: another file key
        Refused("header", header);
        Refused("moved", bytes, "recording/b/x.mp4");
        Refused("appended", [.. bytes, .. bytes.AsSpan(Header, Record)]);

        using var fine = SealedFile.OpenRead(good, key, "recording/a/x.mp4");
        Assert.Equal(plain.Length, fine.Length);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);
}
