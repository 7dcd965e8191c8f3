BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'SharedData.ps1')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
}

Describe 'Test-KgInferenceSpec' {
    BeforeAll { $script:TestHome = New-KgTestHome }

    It "finds nothing wrong with this repository's spec files" {
        Test-KgInferenceSpec (Join-Path $RepoRoot 'classifier_specs') | Should -BeNullOrEmpty
        Test-KgInferenceSpec (Join-Path $RepoRoot 'classifier_specs') -Quiet | Should -Be @($true, $true, $true, $true)
    }

    It "reports Q221 twice as primary in the original's staging file" -Skip:(-not $HasSharedData) {
        $v = Test-KgInferenceSpec (Join-Path $SharedData 'classifier-specs/v2/staging.yaml') | Where-Object Severity -eq 'Error'
        $v.Count | Should -Be 2   # each broken rule once, naming the entries involved
        ($v.Rule | Sort-Object -Unique) | Should -Be @('DuplicateClassifierId', 'ProfileMultiplicity')
        $v[0].Message | Should -Match 'entry \d+ .*entry \d+'
        $v[1].Message | Should -Match 'entry \d+ .*entry \d+'
        ($v.WikibaseId | Sort-Object -Unique) | Should -Be 'Q221'
        $v[0].Line | Should -BeGreaterThan 0
        Test-KgInferenceSpec (Join-Path $SharedData 'classifier-specs/v2/staging.yaml') -Quiet | Should -BeFalse
    }

    It 'takes files from Get-ChildItem' -Skip:(-not $HasSharedData) {
        $files = Get-ChildItem (Join-Path $SharedData 'classifier-specs/v2') -Filter *.yaml
        $v = $files | Test-KgInferenceSpec
        ($v.File | Sort-Object -Unique).Count | Should -Be 3   # labs and sandbox warn, staging errs, production is clean
    }

    It 'reports a malformed file as InvalidSpecYaml with its line, and goes on with the next' {
        $bad = Join-Path $TestHome 'bad.yaml'
        "- wikibase_id: Q5`n  classifier_id: [oops`n" | Set-Content $bad
        $err = $null
        $out = Test-KgInferenceSpec $bad, (Join-Path $RepoRoot 'classifier_specs/v2/labs.yaml') -Quiet -ErrorVariable err -ErrorAction SilentlyContinue
        $out | Should -Be @($false, $true)
        $err[0].FullyQualifiedErrorId | Should -BeLike 'InvalidSpecYaml,*'
        $err[0].Exception.Message | Should -Match 'bad.yaml \(line \d+\)'
    }

    It 'reports unknown sources and profiles' {
        $f = Join-Path $TestHome 'rules.yaml'
        "---`n- wikibase_id: Q5`n  classifier_id: abcd2345`n  classifiers_profile: golden`n  wandb_registry_version: v1`n  dont_run_on:`n  - nowhere`n" | Set-Content $f
        (Test-KgInferenceSpec $f).Rule | Should -Be @('UnknownProfile', 'UnknownSource')
    }

    It 'says when a path does not exist' {
        { Test-KgInferenceSpec (Join-Path $TestHome 'missing.yaml') -ErrorAction Stop } | Should -Throw -ErrorId 'SpecFileNotFound,*'
    }
}
