import { test, expect } from '@playwright/test';

test('overview lists the tenants and leads to a tenant\'s findings', async ({ page }, testInfo) => {
  await page.goto('/');

  const tenants = page.locator('table.tenants tbody tr');
  await expect(tenants).toHaveCount(10); // eight teams, platform, unassigned
  await expect(page.locator('table.tenants')).toContainText('vision');
  const topScore = Number(await tenants.first().locator('td.score').textContent());
  expect(topScore).toBeGreaterThan(0);
  expect(topScore).toBeLessThanOrEqual(100);
  await expect(page.locator('svg.sparkline').first()).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('overview.png'), fullPage: true });

  await page.getByRole('link', { name: 'platform', exact: true }).click();

  await expect(page).toHaveURL(/\/tenants\/platform$/);
  await expect(page.locator('h1')).toHaveText('Tenant platform');
  await expect(page.locator('table.namespaces')).toContainText('kube-system');
  const anonymous = page.locator('table.findings tr[data-rule="rbac.anonymous-binding"]');
  await expect(anonymous).toHaveCount(1);
  await expect(anonymous).toContainText('system:anonymous');
  await page.screenshot({ path: testInfo.outputPath('tenant.png'), fullPage: true });
});

test('an unknown tenant is a 404 page, not an error', async ({ page }) => {
  const response = await page.goto('/tenants/no-such-team');
  expect(response?.status()).toBe(404);
  await expect(page.locator('h1')).toHaveText('Not found');
});

test('requesting an exception is a form post that works without JavaScript', async ({ page }, testInfo) => {
  await page.goto('/exceptions?rule=pod.privileged&tenant=nlp');
  await expect(page.locator('select[name="tenant"]')).toHaveValue('nlp');
  await expect(page.locator('select[name="rule_id"]')).toHaveValue('pod.privileged');
  await page.locator('textarea[name="justification"]').fill('The GPU driver installer needs host access until the operator lands.');
  await page.getByRole('button', { name: 'Request' }).click();

  // Back on the page, the request is listed as pending; its requester cannot approve it.
  await expect(page).toHaveURL(/\/exceptions/);
  const row = page.locator('table.exceptions tbody tr').filter({ hasText: 'GPU driver installer' });
  await expect(row).toHaveAttribute('data-status', 'pending');
  await page.screenshot({ path: testInfo.outputPath('exceptions.png'), fullPage: true });
  await row.getByRole('button', { name: 'Approve' }).click();
  await expect(page.locator('p.error')).toContainText('someone other than its requester');
});

test('from the overview to the offending field of a finding in four clicks', async ({ page }, testInfo) => {
  await page.goto('/');
  await page.getByRole('link', { name: 'vision', exact: true }).click(); // 1
  await expect(page.locator('h1')).toHaveText('Tenant vision');
  await expect(page.locator('figure.chart svg title').first()).toContainText('Risk score (0–100) of vision');
  await page.screenshot({ path: testInfo.outputPath('tenant-trends.png'), fullPage: false });

  await page.locator('table.findings a.object[href^="/workloads/"]').first().click(); // 2
  await expect(page).toHaveURL(/\/workloads\/vision-[^/]+\/[A-Za-z]+\/[^/]+$/);
  await expect(page.locator('nav.breadcrumbs')).toContainText('vision');
  await expect(page.locator('h2', { hasText: 'Open findings' })).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('workload.png'), fullPage: true });

  await page.locator('table.findings a[href^="/findings/"]').first().click(); // 3
  await expect(page).toHaveURL(/\/findings\/\d+$/);
  const fields = page.locator('ul.evidence.fields code.field');
  await expect(fields.first()).toBeVisible();
  expect(await fields.first().textContent()).toMatch(/[.[]/); // a field path
  await expect(page.locator('pre.remediation')).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('finding.png'), fullPage: true });
});

test('filtering, sorting and paging the findings table are shareable links', async ({ page }, testInfo) => {
  await page.goto('/tenants/platform');
  await page.locator('form.filters select[name="severity"]').selectOption('high');
  await page.locator('form.filters select[name="sort"]').selectOption('newest');
  await page.getByRole('button', { name: 'Filter', exact: true }).click();
  await expect(page).toHaveURL(/severity=high/);
  await expect(page).toHaveURL(/sort=newest/);
  const badges = page.locator('table.findings tbody tr td:first-child .sev');
  expect(await badges.count()).toBeGreaterThan(0);
  for (const text of await badges.allTextContents()) {
    expect(text).toBe('high');
  }
  await page.screenshot({ path: testInfo.outputPath('filtered.png'), fullPage: false });
  const bad = await page.goto('/tenants/platform?severity=urgent');
  expect(bad?.status()).toBe(400);
  await expect(page.locator('main')).toContainText('?severity=urgent is not a severity');
});

test('the fleet pages draw their charts', async ({ page }, testInfo) => {
  for (const [path, selector] of [
    ['/compliance?framework=cis', 'svg.heatmap'],
    ['/quotas', 'svg.gauge'],
    ['/gpu', 'svg.gauge'],
    ['/health', 'table.health'],
    ['/clusters', 'table.clusters'],
  ]) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(200);
    await expect(page.locator(selector).first(), path).toBeVisible();
    const name = path.replace(/[/?=]/g, '_');
    await page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: true });
  }
  await expect(page.locator('table.clusters tbody tr')).toContainText(['demo']);
});

test('the tenant page works at 768 px and in the dark theme', async ({ browser }, testInfo) => {
  const context = await browser.newContext({
    storageState: testInfo.project.use.storageState as string,
    viewport: { width: 768, height: 1024 },
    colorScheme: 'dark',
    javaScriptEnabled: true, // only for reading computed styles; the page itself has no script
  });
  const page = await context.newPage();
  await page.goto(`${testInfo.project.use.baseURL}/tenants/vision`);
  await expect(page.locator('h1')).toHaveText('Tenant vision');
  const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  expect(background).toBe('rgb(15, 19, 23)'); // --bg of the dark theme
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0); // wide tables scroll inside themselves, not the page
  await page.screenshot({ path: testInfo.outputPath('tenant-768-dark.png'), fullPage: false });
  await context.close();
});

test('a tenant\'s PDF report downloads from its page and is listed on the Reports page', async ({ page }, testInfo) => {
  await page.goto('/tenants/nlp');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Download PDF report' }).click(),
  ]);
  const file = testInfo.outputPath('nlp-report.pdf');
  await download.saveAs(file);
  const fs = await import('node:fs');
  expect(fs.readFileSync(file).subarray(0, 5).toString()).toBe('%PDF-');
  await page.goto('/reports');
  await expect(page.locator('table.reports')).toContainText('Compliance report: tenant nlp');
  await page.screenshot({ path: testInfo.outputPath('reports.png'), fullPage: true });
});

test('from the Vulnerabilities view to an image, and one CVE of it accepted through the exception form', async ({ page }, testInfo) => {
  await page.goto('/vulnerabilities');
  await expect(page.locator('table.fleet-cves tbody tr').first()).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('vulnerabilities.png'), fullPage: true });

  // A package's users link to the images they run.
  const pkg = page.locator('table.fleet-cves tbody tr').first().locator('td').nth(7).locator('a').first();
  await pkg.click();
  await expect(page).toHaveURL(/\/vulnerabilities\?package=/);
  await expect(page.locator('p.glance')).toContainText('containers run');
  await page.locator('table.package-users tbody tr').first().locator('a[href^="/images/"]').click();

  await expect(page).toHaveURL(/\/images\/\d+$/);
  await expect(page.locator('h1')).toContainText('Image');
  await expect(page.locator('table.image-users tbody tr').first()).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('image.png'), fullPage: true });
  const firstCve = page.locator('table.cves tbody tr').first();
  const cve = (await firstCve.locator('td').first().locator('a, span').first().textContent())?.trim() ?? '';
  expect(cve).not.toBe('');
  await firstCve.getByRole('link', { name: 'Accept…' }).click();

  await expect(page).toHaveURL(/\/exceptions\?rule=images.vulnerability/);
  await expect(page.locator('select[name="rule_id"]')).toHaveValue('images.vulnerability');
  await expect(page.locator('input[name="cve"]')).toHaveValue(cve);
  await page.locator('textarea[name="justification"]').fill('Not reachable: the package is only used at build time.');
  await page.getByRole('button', { name: 'Request' }).click();
  const row = page.locator('table.exceptions tbody tr').filter({ hasText: 'only used at build time' });
  await expect(row).toHaveAttribute('data-status', 'pending');
  await expect(row).toContainText(cve);
});
