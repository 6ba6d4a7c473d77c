namespace Mien.Packages.Tests.Infrastructure;

/// <summary>A small package laid out like the model packages Mien uses: a manifest, a JSON graph and a binary weight shard.</summary>
internal sealed class SamplePackage
{
    public const string Manifest = """{"name":"mien-sample","version":"1.0.0"}""";
    public const string Graph = """{"format":"graph-model","weightsManifest":[]}""";

    public SamplePackage(string name = "mien-sample", string version = "1.0.0", int weightBytes = 3 << 20, int seed = 1)
    {
        Weights = new byte[weightBytes];
        new Random(seed).NextBytes(Weights);
        Tarball = new TestTarball()
            .File("package.json", Manifest)
            .File("models/emotion.json", Graph)
            .Entry("package/models/emotion.bin", Weights)
            .Build();
        var baseName = name[(name.IndexOf('/', StringComparison.Ordinal) + 1)..];
        Spec = new NpmPackageSpec(name, version, TestTarball.Sha512Integrity(Tarball));
        TarballPath = $"/{name}/-/{baseName}-{version}.tgz";
    }

    public static IReadOnlyCollection<string> ModelFiles { get; } = ["models/emotion.json", "models/emotion.bin"];

    public byte[] Weights { get; }

    public byte[] Tarball { get; }

    public NpmPackageSpec Spec { get; }

    /// <summary>The request path the registry serves the tarball under.</summary>
    public string TarballPath { get; }
}
