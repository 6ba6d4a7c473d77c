using Mien.Server.Protection;
using Mien.Server.Security;
using Mien.Storage;

namespace Mien.Server.Api;

/// <summary>Encryption at rest of a project: its data-key versions (never keys) and data-key rotation (admin).</summary>
internal static class EncryptionApi
{
    public static void Map(RouteGroupBuilder project)
    {
        project.MapGet("/encryption", GetAsync).RequireAuthorization(Roles.Admin)
            .WithSummary("The master key id and the project's data-key versions (active, retiring, retired)");
        project.MapPost("/encryption/rotate", RotateAsync).RequireAuthorization(Roles.Admin)
            .WithSummary("Make a new data-key version for new writes; existing rows and files are re-encrypted in the background, then the old version is retired");
    }

    /// <summary>What GET /encryption answers.</summary>
    internal sealed record EncryptionStatus(string MasterKeyId, IReadOnlyList<DataKeyInfo> DataKeys, bool Reencrypting);

    private static async Task<IResult> GetAsync(Guid projectId, IMienStore store, KeyRotations rotations, CancellationToken ct)
    {
        var keys = await store.Encryption.ListDataKeysAsync(projectId, ct).ConfigureAwait(false);
        return TypedResults.Ok(new EncryptionStatus(store.Encryption.MasterKeyId, keys, rotations.IsRunning(projectId) || keys.Any(k => k.State == DataKeyState.Retiring)));
    }

    private static async Task<IResult> RotateAsync(Guid projectId, IMienStore store, KeyRotations rotations, CancellationToken ct)
    {
        if ((await store.Encryption.ListDataKeysAsync(projectId, ct).ConfigureAwait(false)).Any(k => k.State == DataKeyState.Retiring))
        {
            // A rotation a stopped process left unfinished (or one running now): finish it first.
            _ = rotations.FinishAsync(projectId);
            return Problems.Conflict("the previous data-key rotation is still re-encrypting; GET /encryption until 'reencrypting' is false, then rotate again");
        }

        var created = await store.Encryption.RotateDataKeyAsync(projectId, ct).ConfigureAwait(false);
        _ = rotations.FinishAsync(projectId);
        return TypedResults.Accepted($"/api/v1/projects/{projectId}/encryption", created);
    }
}
