import { test as setup, expect } from '@playwright/test';
import * as fs from 'node:fs';
import { demoLoginLink, signedInState } from '../playwright.config';

setup('sign in with the demo\'s one-time link', async ({ page }) => {
  // Anonymous visitors are sent to the login page, which explains the demo's sign-in.
  await page.goto('/');
  await expect(page).toHaveURL(/\/login\?next=%2F$/);
  await expect(page.locator('main')).toContainText('one-time sign-in link');

  const link = fs.readFileSync(demoLoginLink, 'utf8').trim();
  await page.goto(link);
  await expect(page).toHaveURL(/\/$/);
  await expect(page.locator('.signed-in .user')).toHaveText('demo');
  await expect(page.locator('.signed-in .role')).toHaveText('admin');

  // A link signs in once.
  const again = await page.context().browser()!.newContext();
  const other = await again.newPage();
  await other.goto(link);
  await expect(other).toHaveURL(/\/login\?error=link$/);
  await again.close();

  await page.context().storageState({ path: signedInState });
});
