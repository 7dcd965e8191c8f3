#Requires -Version 7.6
<#
.SYNOPSIS
    A W&B registry of record with 100 promoted versions (issue 13's figure): Update-KgInferenceSpec from it, and
    Import-KgRegistry -From WandB into the store's own registry. Prints seconds per run and GraphQL requests per command.

.DESCRIPTION
    No W&B server can run here: W&B is the tests' in-process stand-in (tests/KnowledgeGraph.WandB.StandIn, loaded into
    this pwsh and listening on loopback), which validates every request with GraphQL.NET against its schema subset. So
    the times are this module's work plus loopback HTTP plus the stand-in's parsing and validation, never W&B's own
    latency: against api.wandb.ai each request adds a network round trip, which is why the request counts are printed.

    Each repeat seeds a fresh stand-in with 100 concepts, each with one promoted model version of staging (profiles
    primary/experimental/retired in turn, some with dont_run_on or the GPU flag; every tenth concept also has an older,
    demoted version), in a fresh home folder whose staging store is a new bucket of the S3 test server (the embedded
    store when no S3 server runs). Then it times: Update-KgInferenceSpec staging from W&B (cold, then -Runs writing
    runs), Import-KgRegistry -WhatIf, the import itself (100 records) and an import that finds nothing to do; and checks
    that the spec built from the imported registry is byte-equal to the one built from W&B.

    dotnet pwsh ./build.ps1 Benchmark            (starts the S3 server too)
    dotnet pwsh ./tests/benchmarks/WandBRegistry.ps1 [-Count 100] [-Repeats 3]
#>
[CmdletBinding()]
param(
    [string] $ModuleManifest = (Join-Path $PSScriptRoot '../../out/KnowledgeGraph/KnowledgeGraph.psd1'),
    [string] $Configuration = 'Release',
    [int] $Count = 100,
    [int] $Runs = 5,
    [int] $Repeats = 3
)

$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot '../tools/New-TestBucket.ps1')
Import-Module $ModuleManifest
$standInProject = Join-Path $PSScriptRoot '../KnowledgeGraph.WandB.StandIn/KnowledgeGraph.WandB.StandIn.csproj'
& dotnet build $standInProject -c $Configuration -v quiet --nologo | Out-Null
if ($LASTEXITCODE) { throw "building the W&B stand-in failed ($LASTEXITCODE)" }
[System.Reflection.Assembly]::LoadFrom((Join-Path $PSScriptRoot "../KnowledgeGraph.WandB.StandIn/bin/$Configuration/net10.0/KnowledgeGraph.WandB.StandIn.dll")) | Out-Null

$s3 = [bool] $env:KG_TEST_S3_ENDPOINT
$profileName = if ($env:KG_TEST_S3_PROFILE) { $env:KG_TEST_S3_PROFILE } else { 'kgtest' }
$median = { param($xs) @($xs | Sort-Object)[[int][math]::Floor(@($xs).Count / 2)] }
$seconds = { param([scriptblock] $Block) $sw = [Diagnostics.Stopwatch]::StartNew(); & $Block | Out-Null; $sw.Stop(); $sw.Elapsed.TotalSeconds }
$profiles = 'primary', 'experimental', 'retired'
$figures = [ordered]@{ SpecCold = @(); SpecWrite = @(); WhatIf = @(); Import = @(); Again = @() }
$requests = [ordered]@{}

foreach ($repeat in 1..$Repeats) {
    $kgHome = Join-Path ([IO.Path]::GetTempPath()) ('kg-bench-wandb-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $specs = New-Item -ItemType Directory (Join-Path $kgHome 'classifier_specs/v2') -Force
    $env:KG_HOME = $kgHome
    if ($s3) {
        $credentials = [KnowledgeGraph.Tests.WandB.S3Presigner]::ReadProfile($env:AWS_SHARED_CREDENTIALS_FILE, $profileName)
        $presigner = [KnowledgeGraph.Tests.WandB.S3Presigner]::new($env:KG_TEST_S3_ENDPOINT, $credentials.Item1, $credentials.Item2, (New-TestBucket))
        $env:KG_STAGING_STORE = "s3://$(New-TestBucket)/staging"
        $env:KG_STAGING_ENDPOINT_URL = $env:KG_TEST_S3_ENDPOINT
        $env:KG_STAGING_PROFILE = $profileName
    }
    else {
        # Nothing is uploaded to W&B here (the versions are seeded), so the stand-in's storage is never used.
        $presigner = [KnowledgeGraph.Tests.WandB.S3Presigner]::new('http://127.0.0.1:9', 'unused', 'unused', 'unused')
        $env:KG_STAGING_STORE = Join-Path $kgHome 'store'
    }
    $standIn = [KnowledgeGraph.Tests.WandB.WandBStandIn]::new($presigner)
    try {
        $env:WANDB_API_KEY = $standIn.AddUser('ada', 'member', [string[]]@())
        $env:KG_WANDB_SETTLE_MS = '0'
        foreach ($i in 1..$Count) {
            $q = "Q$i"
            if ($i % 10 -eq 0) {
                $standIn.World.SeedPromoted($q, [KnowledgeGraph.Identifiers.Identifier]::Generate('old', $i), 'staging', $null, 'f8at8qv5', $null, $false, $false) | Out-Null
            }
            [string[]] $dontRunOn = if ($i % 3 -eq 0) { 'sabin' } elseif ($i % 7 -eq 0) { 'cclw', 'gef' } else { @() }
            $standIn.World.SeedPromoted($q, [KnowledgeGraph.Identifiers.Identifier]::Generate('bench', $i), 'staging', $profiles[$i % 3],
                [KnowledgeGraph.Identifiers.Identifier]::Generate('concept', $i), $dontRunOn, ($i % 11 -eq 0), $true) | Out-Null
        }
        Set-KgEnvironment staging -Registry WandB -WandBEntity kg-team -WandBBaseUrl $standIn.BaseUrl
        $file = Join-Path $specs 'staging.yaml'
        $update = {
            $r = Update-KgInferenceSpec staging -Path (Split-Path $specs) -PassThru
            if ($r.Entries -ne $Count) { throw "expected $Count spec entries, got $($r.Entries)" }
        }
        $counted = { param([string] $Name, [scriptblock] $Block)
            $before = $standIn.Operations.Count
            $t = & $seconds $Block
            $requests[$Name] = $standIn.Operations.Count - $before
            $t
        }
        $figures.SpecCold += & $counted 'Update-KgInferenceSpec' $update
        $figures.SpecWrite += foreach ($run in 1..$Runs) { Remove-Item $file; & $seconds $update }
        $fromWandB = Get-Content $file -Raw
        $figures.WhatIf += & $counted 'Import-KgRegistry -WhatIf' { Import-KgRegistry -From WandB -Environment staging -WhatIf }
        $imported = $null
        $figures.Import += & $counted 'Import-KgRegistry' { $script:imported = @(Import-KgRegistry -From WandB -Environment staging) }
        if ($imported.Count -ne $Count) { throw "expected $Count imported versions, got $($imported.Count)" }
        $figures.Again += & $counted 'Import-KgRegistry (nothing to do)' {
            if (@(Import-KgRegistry -From WandB -Environment staging | Where-Object Changed).Count) { throw 'the second import changed something' }
        }
        Set-KgEnvironment staging -Registry Store
        Remove-Item $file
        & $update
        if ((Get-Content $file -Raw) -cne $fromWandB) { throw 'the spec from the imported registry differs from the one built from W&B' }
        if ($standIn.ValidationErrors.Count) { throw "requests the stand-in refused: $($standIn.ValidationErrors -join '; ')" }
    }
    finally {
        $standIn.Dispose()
        Remove-Item Env:WANDB_API_KEY, Env:KG_WANDB_SETTLE_MS, Env:KG_STAGING_STORE, Env:KG_STAGING_ENDPOINT_URL, Env:KG_STAGING_PROFILE -ErrorAction Ignore
        Remove-Item $kgHome -Recurse -Force
    }
}

$store = if ($s3) { 'S3 on loopback (Ceph RGW)' } else { 'embedded store (no $env:KG_TEST_S3_ENDPOINT)' }
"W&B stand-in on loopback, $Count promoted versions of staging, staging's store: $store; $Repeats repeats (fresh home and stand-in each)"
$line = { param($Label, $Xs) '{0}: median {1:F2} s (min {2:F2}, max {3:F2}; {4} runs)' -f $Label, (& $median $Xs), ($Xs | Measure-Object -Minimum).Minimum, ($Xs | Measure-Object -Maximum).Maximum, @($Xs).Count }
& $line 'Update-KgInferenceSpec from W&B, cold (first in the home)' $figures.SpecCold
& $line 'Update-KgInferenceSpec from W&B, writing' $figures.SpecWrite
& $line 'Import-KgRegistry -WhatIf' $figures.WhatIf
& $line "Import-KgRegistry ($Count records written)" $figures.Import
& $line 'Import-KgRegistry again (nothing to do)' $figures.Again
foreach ($k in $requests.Keys) { "GraphQL requests of ${k}: $($requests[$k])" }
"machine: $([Environment]::ProcessorCount) cores, $([System.Runtime.InteropServices.RuntimeInformation]::OSDescription), .NET $([Environment]::Version), $(Get-Date -Format 'yyyy-MM-dd'), load average $((Get-Content /proc/loadavg -ErrorAction Ignore) -split ' ' | Select-Object -First 3)"
