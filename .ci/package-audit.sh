#!/usr/bin/env bash
# Package audit run by `./mien test`: `dotnet list package --vulnerable --include-transitive` over the whole solution.
# Exit 0: no High or Critical finding. Exit 1: a High/Critical finding (listed), or the audit could not run.
# Exit 3: SKIPPED, with the reason — the vulnerability data cannot be had from this machine. Never a silent pass:
# a canary project pinning a package with a published High advisory (Newtonsoft.Json 12.0.1, GHSA-5crp-9r3c-p9vr)
# must be flagged first, because a package source without vulnerability data answers "no vulnerable packages".
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cat > "$work/canary.csproj" <<'XML'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>netstandard2.0</TargetFramework><NuGetAudit>false</NuGetAudit></PropertyGroup>
  <ItemGroup><PackageReference Include="Newtonsoft.Json" Version="12.0.1" /></ItemGroup>
</Project>
XML
canary="$(cd "$work" && dotnet list canary.csproj package --vulnerable 2>&1)"
if [ $? -ne 0 ]; then
  echo "package audit: SKIPPED — the NuGet source or its vulnerability feed cannot be reached: $(grep -m1 -iE 'error' <<<"$canary" | sed 's/^ *//')"
  exit 3
fi
if ! grep -qE '^ *> *Newtonsoft\.Json .*(Low|Moderate|High|Critical)' <<<"$canary"; then
  echo "package audit: SKIPPED — the package source serves no vulnerability data here (a canary with a published High advisory, Newtonsoft.Json 12.0.1, was not flagged)"
  exit 3
fi

out="$(dotnet list "$root/Mien.slnx" package --vulnerable --include-transitive 2>&1)"
if [ $? -ne 0 ]; then
  echo "$out" | grep -iE 'error' | head -5
  echo "package audit: FAILED — dotnet list package --vulnerable did not run (see the errors above)"
  exit 1
fi
findings="$(grep -E '^ *> ' <<<"$out" | sort -u)"
high="$(grep -E ' (High|Critical) ' <<<"$findings")"
total=$(grep -c . <<<"$findings")
if [ -n "$high" ]; then
  echo "$high"
  echo "package audit: FAILED — $(grep -c . <<<"$high") High/Critical vulnerable package(s) (upgrade them in Directory.Packages.props)"
  exit 1
fi
[ "$total" -gt 0 ] && echo "$findings"
echo "package audit: passed — no High or Critical vulnerable package ($total lower-severity finding(s))"
