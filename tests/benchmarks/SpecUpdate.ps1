#Requires -Version 7.6
<#
.SYNOPSIS
    Update-KgInferenceSpec for one environment with 1,000 promoted classifiers, on the embedded store and (when the S3
    test server runs) on S3 on loopback. Prints seconds per run.

.DESCRIPTION
    The benchmark program (tests/KnowledgeGraph.Benchmarks populate) first creates the classifiers through the core:
    1,000 concepts, each with one stored keyword classifier promoted as primary (a third also with dont_run_on).
    Then, in this pwsh, it times Update-KgInferenceSpec sandbox: the first call (cold: loads and JITs the code), then
    -Runs calls that write the file (it is deleted before each), then -Runs calls that find it up to date.

    dotnet pwsh ./build.ps1 Benchmark            (starts the S3 server too)
    dotnet pwsh ./tests/benchmarks/SpecUpdate.ps1 [-Count 1000]
#>
[CmdletBinding()]
param(
    [string] $ModuleManifest = (Join-Path $PSScriptRoot '../../out/KnowledgeGraph/KnowledgeGraph.psd1'),
    [string] $Configuration = 'Release',
    [int] $Count = 1000,
    [int] $Runs = 5
)

$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot '../tools/New-TestBucket.ps1')
Import-Module $ModuleManifest
$project = Join-Path $PSScriptRoot '../KnowledgeGraph.Benchmarks'
& dotnet build $project -c $Configuration -v quiet --nologo | Out-Null

function Measure-SpecUpdate([string] $Label, [string] $Store, [string[]] $PopulateArgs) {
    $kgHome = Join-Path ([IO.Path]::GetTempPath()) ("kg-bench-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $specs = New-Item -ItemType Directory (Join-Path $kgHome 'classifier_specs/v2') -Force
    $env:KG_HOME = $kgHome
    if (-not $env:KG_SANDBOX_STORE) { $env:KG_SANDBOX_STORE = $Store }
    & dotnet run --project $project -c $Configuration --no-build -- populate --store $Store --count $Count @PopulateArgs
    if ($LASTEXITCODE) { throw "populate failed ($LASTEXITCODE)" }
    $file = Join-Path $specs 'sandbox.yaml'
    $time = {
        $sw = [Diagnostics.Stopwatch]::StartNew()
        $r = Update-KgInferenceSpec sandbox -Path (Split-Path $specs) -PassThru
        $sw.Stop()
        if ($r.Entries -ne $Count) { throw "expected $Count entries, got $($r.Entries)" }
        $sw.Elapsed.TotalSeconds
    }
    $cold = & $time
    $write = foreach ($i in 1..$Runs) { Remove-Item $file; & $time }
    $same = foreach ($i in 1..$Runs) { & $time }
    $median = { param($xs) ($xs | Sort-Object)[[int][math]::Floor($xs.Count / 2)] }
    '{0}: {1} promoted classifiers, {2:N0} lines; cold {3:F2} s; writing median {4:F2} s (min {5:F2}, max {6:F2}); up to date median {7:F2} s' -f `
        $Label, $Count, (Get-Content $file).Count, $cold, (& $median $write), ($write | Measure-Object -Minimum).Minimum, ($write | Measure-Object -Maximum).Maximum, (& $median $same)
    Remove-Item $kgHome -Recurse -Force
    if (Test-Path $Store) { Remove-Item $Store -Recurse -Force }
    $env:KG_SANDBOX_STORE = $null
}

$env:KG_SANDBOX_STORE = $null
Measure-SpecUpdate 'embedded store' (Join-Path ([IO.Path]::GetTempPath()) "kg-bench-store-$([guid]::NewGuid().ToString('N').Substring(0, 8))") @()

if ($env:KG_TEST_S3_ENDPOINT) {
    $profileName = if ($env:KG_TEST_S3_PROFILE) { $env:KG_TEST_S3_PROFILE } else { 'kgtest' }
    $bucket = New-TestBucket
    $env:KG_SANDBOX_STORE = "s3://$bucket/sandbox"
    $env:KG_SANDBOX_ENDPOINT_URL = $env:KG_TEST_S3_ENDPOINT
    $env:KG_SANDBOX_PROFILE = $profileName
    Measure-SpecUpdate 'S3 on loopback (Ceph RGW)' "s3://$bucket/sandbox" @('--endpoint', $env:KG_TEST_S3_ENDPOINT, '--profile', $profileName)
}
else {
    'S3: skipped (no $env:KG_TEST_S3_ENDPOINT; build.ps1 Benchmark starts the S3 test server)'
}
"machine: $([Environment]::ProcessorCount) cores, $([System.Runtime.InteropServices.RuntimeInformation]::OSDescription), .NET $([Environment]::Version), $(Get-Date -Format 'yyyy-MM-dd')"
