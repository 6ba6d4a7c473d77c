using Mien.Testing;

namespace Mien.Models.Tests;

[CollectionDefinition(Name)]
public sealed class RealModelsCollection : ICollectionFixture<RealModels>
{
    public const string Name = "real models";
}
