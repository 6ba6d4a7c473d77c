using System.Buffers.Binary;
using System.Text;

namespace Mien.Training;

/// <summary>
/// Makes TorchSharp 0.107's native bridge loadable on systems whose libstdc++ predates GCC 13 (Debian 12 ships
/// GCC 12's). <c>libLibTorchSharp.so</c> requires the version <c>GLIBCXX_3.4.32</c> only for
/// <c>std::ios_base_library_init()</c>, a symbol GCC 13's &lt;iostream&gt; references purely to pin the newer runtime;
/// nothing calls it (the library has no relocation against it). Marking that one version requirement weak
/// (<c>VER_FLG_WEAK</c> in <c>.gnu.version_r</c>) lets the loader accept the older libstdc++ and changes nothing else.
/// The copies patched are the application's own (beside the assembly), never the NuGet cache.
/// </summary>
internal static class LibTorchCompatibility
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 0x2;
    private static readonly Lazy<IReadOnlyList<string>> Patched = new(PatchApplicationCopies);

    /// <summary>Patches the application's copies of the bridge once per process, before TorchSharp loads it.</summary>
    /// <returns>The files changed (empty when none needed it).</returns>
    /// <exception cref="TrainingEnvironmentException">A copy needs the patch but cannot be written.</exception>
    public static IReadOnlyList<string> EnsureLoadable() => Patched.Value;

    /// <summary>Sets the weak flag on the <paramref name="version"/> requirement; false when absent or already weak.</summary>
    internal static bool MakeVersionRequirementWeak(byte[] elf, string version)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F' || elf[4] != 2 || elf[5] != 1)
        {
            return false; // only 64-bit little-endian ELF (linux-x64) is expected
        }

        var span = elf.AsSpan();
        var sectionOffset = (long)BinaryPrimitives.ReadUInt64LittleEndian(span[0x28..]);
        var sectionSize = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3a..]);
        var sectionCount = BinaryPrimitives.ReadUInt16LittleEndian(span[0x3c..]);
        var target = Encoding.ASCII.GetBytes(version);
        var changed = false;
        for (var i = 0; i < sectionCount; i++)
        {
            var header = span.Slice((int)(sectionOffset + (i * sectionSize)), sectionSize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) != ShtGnuVerneed)
            {
                continue;
            }

            var link = BinaryPrimitives.ReadUInt32LittleEndian(header[40..]);
            var strings = (int)BinaryPrimitives.ReadUInt64LittleEndian(span.Slice((int)(sectionOffset + (link * sectionSize)) + 24));
            var need = (int)BinaryPrimitives.ReadUInt64LittleEndian(header[24..]);
            while (true)
            {
                var count = BinaryPrimitives.ReadUInt16LittleEndian(span[(need + 2)..]);
                var aux = need + (int)BinaryPrimitives.ReadUInt32LittleEndian(span[(need + 8)..]);
                for (var a = 0; a < count; a++)
                {
                    var flags = BinaryPrimitives.ReadUInt16LittleEndian(span[(aux + 4)..]);
                    var name = strings + (int)BinaryPrimitives.ReadUInt32LittleEndian(span[(aux + 8)..]);
                    var end = span[name..].IndexOf((byte)0);
                    if (span.Slice(name, end).SequenceEqual(target) && (flags & VerFlagWeak) == 0)
                    {
                        BinaryPrimitives.WriteUInt16LittleEndian(span[(aux + 4)..], (ushort)(flags | VerFlagWeak));
                        changed = true;
                    }

                    aux += (int)BinaryPrimitives.ReadUInt32LittleEndian(span[(aux + 12)..]);
                }

                var next = (int)BinaryPrimitives.ReadUInt32LittleEndian(span[(need + 12)..]);
                if (next == 0)
                {
                    break;
                }

                need += next;
            }
        }

        return changed;
    }

    private static IReadOnlyList<string> PatchApplicationCopies()
    {
        if (!OperatingSystem.IsLinux())
        {
            return [];
        }

        var patched = new List<string>();
        var root = AppContext.BaseDirectory;
        foreach (var path in new[] { Path.Combine(root, "cpu", "libLibTorchSharp.so"), Path.Combine(root, "runtimes", "linux-x64", "native", "libLibTorchSharp.so"), Path.Combine(root, "libLibTorchSharp.so") })
        {
            if (!File.Exists(path))
            {
                continue;
            }

            var bytes = File.ReadAllBytes(path);
            if (!MakeVersionRequirementWeak(bytes, "GLIBCXX_3.4.32"))
            {
                continue;
            }

            try
            {
                // A new file renamed over the old one: a process that has the old one mapped keeps it intact.
                var temp = $"{path}.{Environment.ProcessId}.tmp";
                File.WriteAllBytes(temp, bytes);
                File.Move(temp, path, overwrite: true);
                patched.Add(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new TrainingEnvironmentException(
                    $"TorchSharp's native library '{path}' requires libstdc++ from GCC 13 or newer (GLIBCXX_3.4.32) and could not be adapted ({e.Message}); " +
                    "make the folder writable, or run on a system with a newer libstdc++ (Debian 13, Ubuntu 24.04)", e);
            }
        }

        return patched;
    }
}

/// <summary>The training runtime (TorchSharp/LibTorch) cannot be used on this system; the message says why and what to do.</summary>
public sealed class TrainingEnvironmentException(string message, Exception? inner = null) : Mien.Failures.ModelException(message, inner);
