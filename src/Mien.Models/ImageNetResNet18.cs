using System.Reflection;
using System.Security.Cryptography;

namespace Mien.Models;

/// <summary>
/// The ImageNet ResNet-18 of NuGet <c>Microsoft.ML.DnnImageFeaturizer.ResNet18</c> 0.24.0 (MIT; a CNTK export): a
/// 1×3×224×224 pixel network whose output is the 512 globally pooled features, and its preprocessing graph (subtracts
/// the ImageNet mean image). The package is restored with Mien.Models for these two files only; they are read from
/// NuGet's package folder and checked against pinned hashes, so a build is all a machine needs.
/// </summary>
public static class ImageNetResNet18
{
    /// <summary>Id used in messages and provenance.</summary>
    public const string Id = "imagenet-resnet18";

    /// <summary>SHA-256 of the package's <c>ResNet18.onnx</c> (version 0.24.0), checked before use.</summary>
    public const string OnnxSha256 = "e2552f19db2dfdb01b3669537b6a0f1b44da38d18279535492ed5dfc2ef1ff8f";

    /// <summary>SHA-256 of the package's <c>ResNetPreprocess.onnx</c> (holds the mean image), checked before use.</summary>
    public const string PreprocessSha256 = "84bf8def78d0befaa3f6e73745d57d7016c6a192ead76f79686bd438c1047004";

    /// <summary>The two ONNX files in NuGet's package folder, checked against their pinned hashes.</summary>
    /// <exception cref="ModelStoreException">The package folder or a file is missing, or a file's hash differs.</exception>
    public static (string Network, string Preprocess) Locate()
    {
        var folder = typeof(ImageNetResNet18).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "ResNet18PackageFolder")?.Value;
        if (string.IsNullOrEmpty(folder) || !Directory.Exists(folder))
        {
            throw new ModelStoreException(Id, $"the package (NuGet Microsoft.ML.DnnImageFeaturizer.ResNet18 0.24.0) is not in NuGet's package folder ('{folder}'); run 'dotnet restore' (or ./mien, which builds) where nuget.org is reachable");
        }

        var models = Path.Combine(folder, "tools", "DnnImageModels");
        return (Verified(Path.Combine(models, "ResNet18Onnx", "ResNet18.onnx"), OnnxSha256), Verified(Path.Combine(models, "ResNetPrepOnnx", "ResNetPreprocess.onnx"), PreprocessSha256));
    }

    private static string Verified(string path, string sha256)
    {
        if (!File.Exists(path))
        {
            throw new ModelStoreException(Id, $"'{path}' is missing from the restored package; delete the package folder and run 'dotnet restore'");
        }

        using var stream = File.OpenRead(path);
        var actual = Convert.ToHexStringLower(SHA256.HashData(stream));
        return actual == sha256
            ? path
            : throw new ModelStoreException(Id, $"'{path}' has SHA-256 {actual}, not the pinned {sha256}; the package was altered: delete its folder and run 'dotnet restore'");
    }
}
