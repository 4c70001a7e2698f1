import bcrypt from "bcryptjs";
import type { DB } from "../db/db";
import type { User } from "../db/schema";
import { InvalidResetToken, NoResultFound, UnknownEmail } from "./errors";

export interface AuthOptions {
  /** bcrypt work factor (log2 rounds). */
  bcryptCost: number;
}

/** Passwords, sessions and reset tokens, on top of the DB layer. */
export class Auth {
  constructor(
    private readonly db: DB,
    private readonly options: AuthOptions,
  ) {}

  /** A salted `$2b$` bcrypt hash, readable by Python's bcrypt. */
  hashPassword(password: string): Promise<string> {
    return bcrypt.hash(password, this.options.bcryptCost);
  }

  /** Throws UserAlreadyExists (`User <email> already exists`) for a taken email. */
  async registerUser(email: string, password: string): Promise<User> {
    return this.db.addUser(email, await this.hashPassword(password));
  }

  async validLogin(email: string, password: string): Promise<boolean> {
    const user = await this.findUser({ email });
    if (!user) return false;
    return bcrypt.compare(password, user.hashedPassword);
  }

  generateUuid(): string {
    return crypto.randomUUID();
  }

  /** Starts a new session for the user and returns its id; null for an unknown email. */
  async createSession(email: string): Promise<string | null> {
    const user = await this.findUser({ email });
    if (!user) return null;
    const sessionId = this.generateUuid();
    await this.db.updateUser(user.id, { sessionId });
    return sessionId;
  }

  async getUserFromSessionId(sessionId: string | null | undefined): Promise<User | null> {
    if (!sessionId) return null;
    return this.findUser({ sessionId });
  }

  async destroySession(userId: number): Promise<void> {
    await this.db.updateUser(userId, { sessionId: null });
  }

  /** Stores and returns a fresh reset token; throws UnknownEmail when no account has `email`. */
  async getResetPasswordToken(email: string): Promise<string> {
    const user = await this.findUser({ email });
    if (!user) throw new UnknownEmail(`No user with email ${email}`);
    const resetToken = this.generateUuid();
    await this.db.updateUser(user.id, { resetToken });
    return resetToken;
  }

  /**
   * Sets the password of the token's owner and spends the token. When `email` is given (the HTTP
   * route always gives it) the token must also belong to that address.
   */
  async updatePassword(resetToken: string, password: string, email?: string): Promise<void> {
    const user = resetToken ? await this.findUser({ resetToken }) : null;
    if (!user || (email !== undefined && user.email !== email)) throw new InvalidResetToken("Invalid reset token");
    const hashedPassword = await this.hashPassword(password);
    await this.db.updateUser(user.id, { hashedPassword, resetToken: null });
  }

  private async findUser(filters: Parameters<DB["findUserBy"]>[0]): Promise<User | null> {
    try {
      return await this.db.findUserBy(filters);
    } catch (error) {
      if (error instanceof NoResultFound) return null;
      throw error;
    }
  }
}
