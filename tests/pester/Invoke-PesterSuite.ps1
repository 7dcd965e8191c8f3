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
    [string] $Filter,
    # Test files to run instead of the suite (tests of this script itself).
    [string[]] $TestPath
)

$ErrorActionPreference = 'Stop'
Import-Module $PesterPath -Force
$env:KG_TEST_MODULE = (Resolve-Path $ModuleManifest).Path

$paths = if ($TestPath) { $TestPath } elseif ($Filter) {
    $Filter -split ',' | ForEach-Object { Join-Path $PSScriptRoot "$($_.Trim()).Tests.ps1" }
} else { $PSScriptRoot }

$config = New-PesterConfiguration
$config.Run.Path = $paths
$config.Run.PassThru = $true
$config.Output.Verbosity = 'Detailed'
# The tests' home folders (New-KgTestHome) go under one folder that is removed afterwards: each holds a store and an
# encoder, and a suite makes hundreds of them.
$env:KG_TEST_TEMP = Join-Path ([IO.Path]::GetTempPath()) ('kgtest-run-' + [guid]::NewGuid().ToString('N').Substring(0, 12))
New-Item -ItemType Directory $env:KG_TEST_TEMP | Out-Null
try {
    $result = Invoke-Pester -Configuration $config
}
finally {
    Remove-Item $env:KG_TEST_TEMP -Recurse -Force -ErrorAction SilentlyContinue
}

# Pester 5.7.1's NUnit writer stops at the first character XML 1.0 cannot hold (the ESC of a coloured message from a
# child process or a formatted error), and the report and the run's result are lost. So the report is written here,
# after the failure messages are made plain text; the console output above keeps its colours.
function ConvertTo-XmlText([string] $Text) {
    ($Text -replace '\x1b\[[0-9;?]*[ -/]*[@-~]', '') -replace '[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]', ''
}
foreach ($item in @($result.Failed) + @($result.FailedBlocks) + @($result.FailedContainers)) {
    foreach ($record in $item.ErrorRecord) {
        foreach ($property in $record.PSObject.Properties.Match('Display*')) {
            if ($property.Value -is [string]) { $property.Value = ConvertTo-XmlText $property.Value }
        }
    }
}
$result | Export-NUnitReport -Path (Join-Path $ResultDirectory 'pester.xml')

$failed = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
[ordered]@{
    Passed  = $result.PassedCount
    Failed  = $failed
    Skipped = $result.SkippedCount + $result.NotRunCount
    Result  = $result.Result
} | ConvertTo-Json | Set-Content (Join-Path $ResultDirectory 'pester-summary.json')
exit ($failed -gt 0 ? 1 : 0)
