BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

# The test run itself (Invoke-PesterSuite.ps1, which build.ps1 Test runs): its NUnit report and summary.
Describe 'The Pester run of build.ps1 Test' {
    It 'writes the NUnit report and the summary when a failure message carries terminal colour codes' {
        $folder = New-Item -ItemType Directory (Join-Path ([IO.Path]::GetTempPath()) ('kg-suite-' + [guid]::NewGuid().ToString('N').Substring(0, 8)))
        $tests = Join-Path $folder 'Coloured.Tests.ps1'
        Set-Content $tests @'
Describe 'a run with a coloured failure' {
    It 'fails with colour codes in its message' { "$([char]27)[31mred$([char]27)[0m" | Should -Be 'plain' -Because "$([char]27)[1mit is bold$([char]27)[0m" }
    It 'passes' { 1 | Should -Be 1 }
}
'@
        $pester = Join-Path (Get-Module Pester).ModuleBase 'Pester.psd1'
        & $Pwsh -NoProfile -NonInteractive -File (Join-Path $PSScriptRoot 'Invoke-PesterSuite.ps1') -ModuleManifest $ModuleManifest `
            -PesterPath $pester -ResultDirectory $folder -TestPath $tests *> $null
        $LASTEXITCODE | Should -Be 1
        $summary = Get-Content (Join-Path $folder 'pester-summary.json') -Raw | ConvertFrom-Json
        ($summary.Passed, $summary.Failed) | Should -Be @(1, 1)
        [xml] $report = Get-Content (Join-Path $folder 'pester.xml') -Raw
        $message = $report.SelectSingleNode('//test-case[@result="Failure"]/failure/message').InnerText
        $message | Should -BeLike '*it is bold*red*'
        $message | Should -Not -Match "`e"
        Remove-Item $folder -Recurse -Force
    }
}
