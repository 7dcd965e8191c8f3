#Requires -Version 7.6
<#
.SYNOPSIS
    Runs the Pester suite against a built module in this (child) pwsh and writes a summary for build.ps1.
.DESCRIPTION
    build.ps1 Test starts this in its own pwsh, so the module's assemblies load into a fresh process.
    Writes <ResultDirectory>/pester.xml (NUnit) and <ResultDirectory>/pester-summary.json
    ({ Passed, Failed, Skipped }); a failed container (a throw in BeforeAll) counts as a failure.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory)] [string] $ModuleManifest,
    [Parameter(Mandatory)] [string] $PesterPath,
    [Parameter(Mandatory)] [string] $ResultDirectory,
    [string] $Filter
)

$ErrorActionPreference = 'Stop'
Import-Module $PesterPath -Force
$env:KG_TEST_MODULE = (Resolve-Path $ModuleManifest).Path

$paths = if ($Filter) {
    $Filter -split ',' | ForEach-Object { Join-Path $PSScriptRoot "$($_.Trim()).Tests.ps1" }
} else { $PSScriptRoot }

$config = New-PesterConfiguration
$config.Run.Path = $paths
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
$config.TestResult.Enabled = $true
$config.TestResult.OutputFormat = 'NUnitXml'
$config.TestResult.OutputPath = Join-Path $ResultDirectory 'pester.xml'
$result = Invoke-Pester -Configuration $config

$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
[ordered]@{
    Passed  = $result.PassedCount
    Failed  = $failed
    Skipped = $result.SkippedCount + $result.NotRunCount
    Result  = $result.Result
} | ConvertTo-Json | Set-Content (Join-Path $ResultDirectory 'pester-summary.json')
exit ($failed -gt 0 ? 1 : 0)
