// The test accounts, created by global-setup.ts through `hmis-access user add`. One account
// per test file that requests a reset link, so the per-account reset cooldown (60 s by default)
// and "a newer link supersedes older ones" (RB-04) never make one test depend on another.

export interface TestUser {
  username: string;
  email: string;
  fullName: string;
  agency: string;
  /** The password the account is created with (accepted by the server's policy). */
  password: string;
}

export const USERS = {
  /** The full walk with JavaScript; also whose name/email the meter-parity samples use. */
  alice: {
    username: "alice",
    email: "alice@example.com",
    fullName: "Alice Smith",
    agency: "Harbor Shelter",
    password: "Quiet-Harbor-Lantern-41",
  },
  /** The full walk with JavaScript disabled. */
  bob: {
    username: "bob",
    email: "bob@example.com",
    fullName: "Bob Jones",
    agency: "Harbor Shelter",
    password: "Granite-Willow-Teapot-86",
  },
  /** The accessibility (axe) checks. */
  carol: {
    username: "carol",
    email: "carol@example.com",
    fullName: "Carol Diaz",
    agency: "Northside Outreach",
    password: "Copper-Meadow-Violin-27",
  },
  /** The screenshots. */
  dana: {
    username: "dana",
    email: "dana@example.com",
    fullName: "Dana Okafor",
    agency: "Northside Outreach",
    password: "Saffron-Glacier-Pencil-63",
  },
  /** Hosts the reset form the meter-parity test scores on (with alice's inputs). */
  erin: {
    username: "erin",
    email: "erin@example.com",
    fullName: "Erin Walsh",
    agency: "Eastgate Family Center",
    password: "Marble-Thistle-Kayak-19",
  },
  /** RB-06: link scanners must not consume the link. */
  frank: {
    username: "frank",
    email: "frank@example.com",
    fullName: "Frank Moreau",
    agency: "Eastgate Family Center",
    password: "Orbit-Juniper-Flannel-52",
  },
  /** Issue 3: three bad attempts lock the account; the CLI unlocks it. */
  gina: {
    username: "gina",
    email: "gina@example.com",
    fullName: "Gina Marsh",
    agency: "Harbor Shelter",
    password: "Lantern-Oyster-Prairie-64",
  },
  /** Issue 6: long pasted input never freezes the meter. */
  hana: {
    username: "hana",
    email: "hana@example.com",
    fullName: "Hana Ito",
    agency: "Eastgate Family Center",
    password: "Thimble-Glacier-Parsnip-58",
  },
  /** A double tap on "Save new password". */
  ivan: {
    username: "ivan",
    email: "ivan@example.com",
    fullName: "Ivan Petrov",
    agency: "Northside Outreach",
    password: "Harvest-Comet-Ledger-71",
  },
  /** Issue 6: a long paste is answered "too long" before the meter module arrives. */
  jun: {
    username: "jun",
    email: "jun@example.com",
    fullName: "Jun Okafor",
    agency: "Northside Outreach",
    password: "Sorrel-Beacon-Tangle-83",
  },
} satisfies Record<string, TestUser>;

/** Every password the tests type into a page or send to the server (the log test greps them). */
export const NEW_PASSWORDS = {
  weak: "password1234",
  aliceReset: "Velvet-Compass-Orchard-Rain-73",
  aliceChanged: "Tundra-Maple-Ferry-Whistle-38",
  bobReset: "Pebble-Saturn-Lilac-Harvest-94",
  bobChanged: "Cobalt-Riddle-Plum-Sparrow-15",
  carolReset: "Ginger-Atlas-Heron-Quarry-62",
  danaReset: "Walnut-Ember-Tulip-Canyon-47",
  frankReset: "Moss-Harpoon-Cinder-Fable-29",
  ivanReset: "Quartz-Meadow-Lantern-Otter-58",
  wrong: "Not-The-Right-One-Tonight-11",
} as const;

export function allKnownPasswords(): string[] {
  return [...Object.values(USERS).map((u) => u.password), ...Object.values(NEW_PASSWORDS)];
}
